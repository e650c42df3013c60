import { Annotations, Fn, aws_ec2 as ec2 } from 'aws-cdk-lib';
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

/**
 * Import the configured VPC, subnets and security groups by id, for the handlers' elastic network interfaces. Lambda
 * needs only the subnet and security group ids (`VpcConfig`); the two warnings CDK gives for such an import concern
 * constructs that place resources by Availability Zone or add routes, which nothing here does, so each is acknowledged
 * with that reason instead of asking users for Availability Zones and route tables nothing would read.
 */
export function importHandlerNetwork(scope: Construct, vpc: HandlerVpcOptions): HandlerNetwork {
  const imported = ec2.Vpc.fromVpcAttributes(scope, 'HandlerVpc', { vpcId: vpc.vpcId, availabilityZones: Fn.getAzs() });
  Annotations.of(imported).acknowledgeWarning(
    '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
    "The handlers select their subnets by id (vpcSubnets.subnets); no construct here reads the VPC's Availability Zones.",
  );
  const subnets = vpc.subnetIds.map((id, i) => {
    const subnet = ec2.Subnet.fromSubnetId(scope, `HandlerSubnet${i}`, id);
    Annotations.of(subnet).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'Lambda places its network interfaces by subnet id; no construct here reads or adds routes to the route table.',
    );
    return subnet;
  });
  return {
    vpc: imported,
    vpcSubnets: { subnets },
    securityGroups: vpc.securityGroupIds.map((id, i) =>
      ec2.SecurityGroup.fromSecurityGroupId(scope, `HandlerSecurityGroup${i}`, id, { mutable: false }),
    ),
  };
}
