import { Duration, aws_cognito as cognito } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { acknowledge } from './nag';

/** Props of {@link ReviewerUserPool}: the house settings are fixed; these are the choices left to each use. */
export interface ReviewerUserPoolProps extends Omit<
  cognito.UserPoolProps,
  | 'selfSignUpEnabled'
  | 'signInAliases'
  | 'autoVerify'
  | 'passwordPolicy'
  | 'mfa'
  | 'mfaSecondFactor'
  | 'accountRecovery'
  | 'featurePlan'
> {
  /**
   * Multi-factor authentication (TOTP only, never SMS).
   * @default 'required'
   */
  readonly mfa?: 'required' | 'optional';
}

/**
 * A Cognito user pool for people who review or label items (the review portal's reviewers, an A2I private
 * workforce): administrators invite them (no self sign-up), they sign in with their email address, passwords are
 * strong (12 characters of every class, temporary ones valid 7 days), TOTP MFA is required by default, accounts are
 * recovered by email only, on the Essentials feature plan. Attributes, invitation texts, deletion protection and the
 * removal policy are each use's own (changing a pool's standard attributes replaces it).
 */
export class ReviewerUserPool extends cognito.UserPool {
  constructor(scope: Construct, id: string, props: ReviewerUserPoolProps = {}) {
    const { mfa = 'required', ...rest } = props;
    super(scope, id, {
      ...rest,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: mfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
    });
    acknowledge(
      this,
      'Threat protection (advanced security) needs the Cognito Plus feature plan, billed per user; reviewers are invited by administrators only (no self sign-up), passwords are strong and MFA is required by default.',
      'AwsSolutions-COG3',
      'AwsSolutions-COG8',
    );
    if (mfa !== 'required') {
      acknowledge(
        this,
        'MFA is optional because the operator configured it so (reviewPortal.mfa=optional); TOTP stays available to every reviewer.',
        'AwsSolutions-COG2',
      );
    }
  }
}
