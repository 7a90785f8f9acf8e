// Fake ECS (AWS JSON 1.1, AmazonEC2ContainerServiceV20141113.*): DescribeServices, DescribeTaskSets,
// CreateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet. Task sets reach STEADY_STATE after a number of
// DescribeTaskSets polls, unless `neverHealthy` is set.

import { ACCOUNT, REGION } from './lambda.ts';
import { AwsFault } from './wire.ts';

export interface FakeTaskSet {
  id: string;
  taskSetArn: string;
  serviceArn: string;
  clusterArn: string;
  externalId?: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinition: string;
  computedDesiredCount: number;
  pendingCount: number;
  runningCount: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  platformVersion?: string;
  capacityProviderStrategy?: unknown[];
  networkConfiguration?: unknown;
  loadBalancers: Array<{ targetGroupArn: string; containerName: string; containerPort: number }>;
  scale: { value: number; unit: string };
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  stabilityStatusAt: number;
  polls: number;
  clientToken?: string;
}

export interface FakeService {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  status: string;
  desiredCount: number;
  deploymentController: { type: string };
  taskSets: FakeTaskSet[];
}

export class FakeEcs {
  readonly services = new Map<string, FakeService>();
  /** New task sets never stabilise and their targets report unhealthy. */
  neverHealthy = false;
  /** DescribeTaskSets polls before a new task set reports STEADY_STATE. */
  pollsToSteady = 2;
  private seq = 0;

  constructor(private readonly now: () => number) {}

  private key(cluster: string, service: string): string {
    const c = cluster.includes('/') ? cluster.split('/').pop()! : cluster;
    const s = service.includes('/') ? service.split('/').pop()! : service;
    return `${c}/${s}`;
  }

  addService(cluster: string, service: string, blue: { taskDefinition: string; targetGroupArn: string; containerName: string; containerPort: number }, controller = 'EXTERNAL'): FakeService {
    const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`;
    const serviceArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${service}`;
    const svc: FakeService = { serviceArn, serviceName: service, clusterArn, status: 'ACTIVE', desiredCount: 2, deploymentController: { type: controller }, taskSets: [] };
    svc.taskSets.push(this.newTaskSet(svc, { taskDefinition: blue.taskDefinition, loadBalancers: [{ targetGroupArn: blue.targetGroupArn, containerName: blue.containerName, containerPort: blue.containerPort }], launchType: 'FARGATE', platformVersion: '1.4.0', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } } }, 'PRIMARY', true));
    this.services.set(this.key(cluster, service), svc);
    return svc;
  }

  service(cluster: string, service: string): FakeService {
    const svc = this.services.get(this.key(cluster, service));
    if (svc === undefined) throw new AwsFault('ServiceNotFoundException', `Service not found: ${service}`);
    return svc;
  }

  /** True when the task set's tasks pass health checks (drives the fake ELB target health). */
  healthy(ts: FakeTaskSet): boolean {
    return ts.stabilityStatus === 'STEADY_STATE';
  }

  private newTaskSet(svc: FakeService, input: Record<string, unknown>, status: FakeTaskSet['status'], steady: boolean): FakeTaskSet {
    this.seq += 1;
    const id = `ecs-svc/${String(1000000000 + this.seq)}`;
    const now = this.now() / 1000;
    const cluster = svc.clusterArn.split('/').pop()!;
    return {
      id,
      taskSetArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-set/${cluster}/${svc.serviceName}/${id}`,
      serviceArn: svc.serviceArn,
      clusterArn: svc.clusterArn,
      ...(typeof input['externalId'] === 'string' ? { externalId: input['externalId'] } : {}),
      status,
      taskDefinition: String(input['taskDefinition']),
      computedDesiredCount: svc.desiredCount,
      pendingCount: steady ? 0 : svc.desiredCount,
      runningCount: steady ? svc.desiredCount : 0,
      createdAt: now,
      updatedAt: now,
      ...(input['launchType'] ? { launchType: String(input['launchType']) } : {}),
      ...(input['platformVersion'] ? { platformVersion: String(input['platformVersion']) } : {}),
      ...(input['capacityProviderStrategy'] ? { capacityProviderStrategy: input['capacityProviderStrategy'] as unknown[] } : {}),
      ...(input['networkConfiguration'] ? { networkConfiguration: input['networkConfiguration'] } : {}),
      loadBalancers: (input['loadBalancers'] as FakeTaskSet['loadBalancers']) ?? [],
      scale: (input['scale'] as FakeTaskSet['scale']) ?? { value: 100, unit: 'PERCENT' },
      stabilityStatus: steady ? 'STEADY_STATE' : 'STABILIZING',
      stabilityStatusAt: now,
      polls: 0,
      ...(typeof input['clientToken'] === 'string' ? { clientToken: input['clientToken'] } : {}),
    };
  }

  private view(ts: FakeTaskSet): Record<string, unknown> {
    const { polls: _polls, clientToken: _token, ...rest } = ts;
    return rest;
  }

  handle(op: string, input: Record<string, unknown>): unknown {
    switch (op) {
      case 'DescribeServices': {
        const cluster = String(input['cluster'] ?? 'default');
        const names = (input['services'] as string[]) ?? [];
        const services: unknown[] = [];
        const failures: unknown[] = [];
        for (const n of names) {
          const svc = this.services.get(this.key(cluster, n));
          if (svc === undefined) failures.push({ arn: n, reason: 'MISSING' });
          else services.push({ ...svc, taskSets: svc.taskSets.map((t) => this.view(t)) });
        }
        return { services, failures };
      }
      case 'DescribeTaskSets': {
        const svc = this.service(String(input['cluster']), String(input['service']));
        const wanted = (input['taskSets'] as string[] | undefined) ?? svc.taskSets.map((t) => t.taskSetArn);
        const taskSets: unknown[] = [];
        const failures: unknown[] = [];
        for (const arn of wanted) {
          const ts = svc.taskSets.find((t) => t.taskSetArn === arn || t.id === arn);
          if (ts === undefined) {
            failures.push({ arn, reason: 'MISSING' });
            continue;
          }
          if (ts.stabilityStatus === 'STABILIZING' && !this.neverHealthy) {
            ts.polls += 1;
            if (ts.polls >= this.pollsToSteady) {
              ts.stabilityStatus = 'STEADY_STATE';
              ts.runningCount = ts.computedDesiredCount;
              ts.pendingCount = 0;
              ts.stabilityStatusAt = this.now() / 1000;
            }
          }
          taskSets.push(this.view(ts));
        }
        return { taskSets, failures };
      }
      case 'CreateTaskSet': {
        const svc = this.service(String(input['cluster']), String(input['service']));
        if (svc.deploymentController.type !== 'EXTERNAL') {
          throw new AwsFault('InvalidParameterException', 'Amazon ECS only supports task set management on services configured to use external deployment controllers.');
        }
        const token = input['clientToken'];
        const existing = typeof token === 'string' ? svc.taskSets.find((t) => t.clientToken === token) : undefined;
        if (existing !== undefined) return { taskSet: this.view(existing) };
        if (svc.taskSets.length >= 5) throw new AwsFault('InvalidParameterException', '5 deployments exist on the service. Unable to create new TaskSet.');
        const ts = this.newTaskSet(svc, input, 'ACTIVE', false);
        svc.taskSets.push(ts);
        return { taskSet: this.view(ts) };
      }
      case 'UpdateServicePrimaryTaskSet': {
        const svc = this.service(String(input['cluster']), String(input['service']));
        const ts = svc.taskSets.find((t) => t.taskSetArn === input['primaryTaskSet'] || t.id === input['primaryTaskSet']);
        if (ts === undefined) throw new AwsFault('TaskSetNotFoundException', `Task set not found: ${String(input['primaryTaskSet'])}`);
        for (const t of svc.taskSets) t.status = t === ts ? 'PRIMARY' : 'ACTIVE';
        return { taskSet: this.view(ts) };
      }
      case 'DeleteTaskSet': {
        const svc = this.service(String(input['cluster']), String(input['service']));
        const ts = svc.taskSets.find((t) => t.taskSetArn === input['taskSet'] || t.id === input['taskSet']);
        if (ts === undefined) throw new AwsFault('TaskSetNotFoundException', `Task set not found: ${String(input['taskSet'])}`);
        if (ts.status === 'PRIMARY' && input['force'] !== true) {
          throw new AwsFault('InvalidParameterException', 'Cannot delete the primary task set');
        }
        svc.taskSets = svc.taskSets.filter((t) => t !== ts);
        return { taskSet: { ...this.view(ts), status: 'DRAINING' } };
      }
      default:
        throw new AwsFault('UnknownOperationException', `Unsupported ECS operation ${op}`);
    }
  }
}
