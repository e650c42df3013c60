/**
 * Configurations of the real app that together create every resource the app can create: the default, the
 * alternative back ends and options, and a minimal one. Tests that check a rule over every template use all three.
 */
export const APP_MODES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  default: {},
  // A2I back end (workforce user pool), a trained classifier, a retraining flywheel, Lookout, a provisioned stream, handlers in a VPC, a
  // configured environment.
  alternatives: {
    account: '123456789012',
    region: 'eu-west-1',
    'activeLearning.review': 'a2i',
    'activeLearning.classifier.mode': 'create',
    'activeLearning.classifier.trainingDataUri': 's3://training-bucket/intents/',
    'streamingAnomaly.detector': 'lookout',
    'streamingAnomaly.streamMode': 'provisioned',
    'streamingAnomaly.shardCount': '2',
    'gitlabMlops.assetBucketName': 'team-gitlab-mlops-assets',
    'gitlabMlops.vpcId': 'vpc-0123456789abcdef0',
    'gitlabMlops.subnetIds': 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
    'gitlabMlops.securityGroupIds': 'sg-0123456789abcdef0',
    'labelingChain.autoContinue': 'false',
    // Ground Truth adjustment instead of the portal, on an existing Custom Labels project.
    'customLabelsAssist.review': 'ground-truth',
    'customLabelsAssist.projectArn': 'arn:aws:rekognition:eu-west-1:123456789012:project/rooftops/1700000000000',
    'customLabelsAssist.groundTruth.workteamArn':
      'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/roof-team',
    'customLabelsAssist.groundTruth.roleArn': 'arn:aws:iam::123456789012:role/GroundTruthAdjustment',
    'customLabelsAssist.groundTruth.uiTemplateS3Uri': 's3://team-templates/adjust-boxes.liquid.html',
    'customLabelsAssist.imageOrigins': 'https://labeling.example.com',
    'classifierRetraining.mode': 'flywheel',
  },
  // A fixed endpoint (no SSM parameter), no detector (no topics, no key), no review portal, no Custom Labels assist.
  minimal: {
    'activeLearning.review': 'a2i',
    'activeLearning.classifier.mode': 'endpoint-arn',
    'activeLearning.classifier.endpointArn':
      'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/intents',
    'reviewPortal.enabled': 'false',
    'customLabelsAssist.enabled': 'false',
    'streamingAnomaly.detector': 'none',
  },
};
