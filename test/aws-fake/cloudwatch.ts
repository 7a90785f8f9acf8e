// Fake CloudWatch DescribeAlarms. The installed @aws-sdk/client-cloudwatch speaks AWS JSON 1.0
// (`X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms`, awsQueryCompatible), so this does too.

import { AwsFault } from './wire.ts';

export interface FakeAlarm {
  AlarmName: string;
  StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  kind: 'MetricAlarm' | 'CompositeAlarm';
}

export class FakeCloudWatch {
  readonly alarms = new Map<string, FakeAlarm>();

  setAlarm(name: string, state: FakeAlarm['StateValue'], kind: FakeAlarm['kind'] = 'MetricAlarm'): void {
    this.alarms.set(name, { AlarmName: name, StateValue: state, kind });
  }

  handle(op: string, input: Record<string, unknown>): unknown {
    if (op !== 'DescribeAlarms') throw new AwsFault('UnknownOperationException', `Unsupported CloudWatch operation ${op}`);
    const names = input['AlarmNames'] as string[] | undefined;
    if (names !== undefined && names.length > 100) throw new AwsFault('InvalidParameterValue', 'At most 100 alarm names');
    const types = (input['AlarmTypes'] as string[] | undefined) ?? ['MetricAlarm'];
    const picked = [...this.alarms.values()].filter((a) => names === undefined || names.includes(a.AlarmName));
    const view = (a: FakeAlarm): Record<string, unknown> => ({
      AlarmName: a.AlarmName,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${a.AlarmName}`,
      StateValue: a.StateValue,
      StateReason: `fake state ${a.StateValue}`,
    });
    return {
      MetricAlarms: types.includes('MetricAlarm') ? picked.filter((a) => a.kind === 'MetricAlarm').map(view) : [],
      CompositeAlarms: types.includes('CompositeAlarm') ? picked.filter((a) => a.kind === 'CompositeAlarm').map(view) : [],
    };
  }
}
