// Shared by the benchmarks that deploy through a sandbox coordinator: create a deployment and poll it to its end.
import type { ApiClient } from '../../coordinator/cli/client.ts';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';

export interface BenchDeployment {
  readonly application: string;
  readonly deploymentGroup: string;
  readonly revision: string;
  readonly config: string;
}

/** Creates the deployment (every fleet host a target) and resolves with its final view. */
export async function deployAndWait(api: ApiClient, deployment: BenchDeployment, pollMs: number): Promise<DeploymentView> {
  const { deploymentId } = await api.post<{ deploymentId: string }>('/v1/deployments', { ...deployment, targets: [] });
  for (;;) {
    const view = await api.get<DeploymentView>(`/v1/deployments/${deploymentId}`);
    if (view.status !== 'InProgress' && view.status !== 'Created') return view;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
