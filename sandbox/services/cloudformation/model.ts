export type StackStatus =
  | "REVIEW_IN_PROGRESS"
  | "CREATE_IN_PROGRESS"
  | "CREATE_COMPLETE"
  | "CREATE_FAILED"
  | "ROLLBACK_IN_PROGRESS"
  | "ROLLBACK_COMPLETE"
  | "ROLLBACK_FAILED"
  | "UPDATE_IN_PROGRESS"
  | "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
  | "UPDATE_COMPLETE"
  | "UPDATE_ROLLBACK_IN_PROGRESS"
  | "UPDATE_ROLLBACK_COMPLETE"
  | "UPDATE_ROLLBACK_FAILED"
  | "DELETE_IN_PROGRESS"
  | "DELETE_COMPLETE"
  | "DELETE_FAILED";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface StackResource {
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
  statusReason?: string;
  timestamp: string;
  properties: { [key: string]: JsonValue };
  attributes: Record<string, string>;
  deletionPolicy?: string;
  updateReplacePolicy?: string;
}

export interface StackEvent {
  eventId: string;
  logicalId: string;
  physicalId: string;
  resourceType: string;
  status: string;
  reason?: string;
  timestamp: string;
  properties?: string;
}

export interface StackParameter {
  key: string;
  value: string;
  noEcho: boolean;
}

export interface ChangeSetChange {
  action: "Add" | "Modify" | "Remove";
  logicalId: string;
  physicalId?: string;
  resourceType: string;
  replacement?: "True" | "False";
}

export interface ChangeSet {
  id: string;
  name: string;
  type: "CREATE" | "UPDATE";
  description?: string;
  /** DELETE_COMPLETE and EXECUTE_COMPLETE/OBSOLETE only in state files written before change sets were deleted. */
  status: "CREATE_COMPLETE" | "FAILED" | "DELETE_COMPLETE";
  executionStatus: "AVAILABLE" | "UNAVAILABLE" | "EXECUTE_COMPLETE" | "OBSOLETE";
  statusReason?: string;
  creationTime: string;
  templateBody: string;
  parameters: StackParameter[];
  tags: Array<{ Key: string; Value: string }>;
  capabilities: string[];
  changes: ChangeSetChange[];
}

export interface Stack {
  stackId: string;
  stackName: string;
  description?: string;
  templateBody: string;
  parameters: StackParameter[];
  tags: Array<{ Key: string; Value: string }>;
  capabilities: string[];
  status: StackStatus;
  statusReason?: string;
  creationTime: string;
  lastUpdatedTime?: string;
  deletionTime?: string;
  disableRollback: boolean;
  outputs: Array<{ OutputKey: string; OutputValue: string; Description?: string; ExportName?: string }>;
  resources: Record<string, StackResource>;
  events: StackEvent[];
  /** The stack's live change sets: executing one deletes them all, as CloudFormation does. */
  changeSets: ChangeSet[];
  /** The change set last executed, which DescribeStacks names (before any: the last one created). */
  lastChangeSetId?: string;
}

export type CloudFormationState = Record<string, Record<string, { stacks: Stack[] }>>;
