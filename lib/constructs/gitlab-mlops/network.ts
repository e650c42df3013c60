import { Fn, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';

/** Subnets and security groups (imported by id) for the handlers. */
export interface HandlerVpcOptions {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** The handlers' network settings (`HandlerFunction` props). */
export interface HandlerNetwork {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/** Import the configured VPC, subnets and security groups by id, for the handlers' elastic network interfaces. */
export function importHandlerNetwork(scope: Construct, vpc: HandlerVpcOptions): HandlerNetwork {
  return {
    vpc: ec2.Vpc.fromVpcAttributes(scope, 'HandlerVpc', { vpcId: vpc.vpcId, availabilityZones: Fn.getAzs() }),
    vpcSubnets: { subnets: vpc.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(scope, `HandlerSubnet${i}`, id)) },
    securityGroups: vpc.securityGroupIds.map((id, i) =>
      ec2.SecurityGroup.fromSecurityGroupId(scope, `HandlerSecurityGroup${i}`, id, { mutable: false }),
    ),
  };
}
