// Where things live under the agent's root dir (mirrors the CodeDeploy agent's layout, §4.1).
import path from 'node:path';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';

export interface DeploymentPaths {
  readonly root: string;
  readonly bundle: string;
  readonly archive: string;
  readonly logFile: string;
}

export class AgentLayout {
  constructor(readonly rootDir: string) {}

  get deploymentRoot(): string {
    return path.join(this.rootDir, 'deployment-root');
  }

  get instructionsDir(): string {
    return path.join(this.deploymentRoot, 'deployment-instructions');
  }

  deployment(intent: Pick<DeploymentIntent, 'deploymentGroupId' | 'deploymentId' | 'revision'>): DeploymentPaths {
    const root = path.join(this.deploymentRoot, intent.deploymentGroupId, intent.deploymentId);
    return {
      root,
      bundle: path.join(root, `bundle.${intent.revision.bundleType}`),
      archive: path.join(root, 'deployment-archive'),
      logFile: path.join(root, 'logs', 'scripts.log'),
    };
  }

  /** The archive dir of a deployment root recorded in a pointer file. */
  archiveOf(deploymentRootDir: string): string {
    return path.join(deploymentRootDir, 'deployment-archive');
  }
}
