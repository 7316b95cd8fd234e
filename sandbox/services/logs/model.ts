/** CloudWatch Logs state: log groups by account, region and name; each holds its streams and their events. */
export interface LogEvent {
  /** Milliseconds since the epoch, as the caller gave it. */
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface LogStream {
  name: string;
  creationTime: number;
  /** In the order they were accepted; PutLogEvents keeps each batch chronological. */
  events: LogEvent[];
  lastIngestionTime?: number;
  /** Bumped by every accepted batch; answered as `nextSequenceToken` (no longer required by AWS). */
  sequence: number;
}

export interface LogGroup {
  name: string;
  accountId: string;
  region: string;
  creationTime: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  streams: Record<string, LogStream>;
}

export type LogsState = Record<string, Record<string, { groups: Record<string, LogGroup> }>>;
