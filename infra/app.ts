// The CDK app (`npx cdk synth|deploy`, cdk.json runs it with the project's Node 24): reads and
// validates cratewatch.toml and the stage's context, defines the stack, and checks it with
// cdk-nag's AWS Solutions rules (a finding that is not acknowledged with a reason fails synth).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigErrors } from '../functions/app/config.ts';
import { CratewatchStack } from './cratewatch-stack.ts';
import { readStackConfig } from './stack-config.ts';
import { readStageContext, StageContextError } from './stage-context.ts';

const app = new App();
try {
  const stage = readStageContext((key) => app.node.tryGetContext(key));
  const { config, text, warnings } = readStackConfig({ file: stage.configFile });
  for (const warning of warnings) console.warn(`cratewatch: ${warning}`);
  new CratewatchStack(app, stage.stackName, {
    config,
    configText: text,
    tokenSecret: stage.tokenSecret,
    logRetention: stage.logRetention,
    logLevel: stage.logLevel,
    // Unset (no credentials, as in CI): an environment-agnostic template.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (error) {
  if (!(error instanceof ConfigErrors || error instanceof StageContextError)) throw error;
  // The same messages as `cratewatch scan`, without a stack trace in the way.
  console.error(error.message);
  process.exit(1);
}
