/** STS state: the role sessions AssumeRole issued, by the access key id of their temporary credentials. */
export interface RoleSession {
  accessKeyId: string;
  roleArn: string;
  /** The role's unique id when the session began: a role deleted and created again is another role. */
  roleId?: string;
  sessionName: string;
  /** Session tags, keys as the caller spelled them. */
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  /** ISO time after which the credentials are refused with ExpiredToken. */
  expiration: string;
}

export interface StsState {
  sessions: Record<string, RoleSession>;
}
