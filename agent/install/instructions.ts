// The install instruction list, as written to `<groupId>-install.json` (reference §3.1 step 5).

export interface CopyInstruction {
  readonly type: 'copy';
  readonly source: string;
  readonly destination: string;
}
export interface MkdirInstruction {
  readonly type: 'mkdir';
  readonly directory: string;
}
export interface ChmodInstruction {
  readonly type: 'chmod';
  /** Octal string as kept by the appspec, e.g. `644` or `0755`. */
  readonly mode: string;
  readonly file: string;
}
export interface SetfaclInstruction {
  readonly type: 'setfacl';
  /** Canonical entries, e.g. `user:bob:rwx`, `default:group:dev:r--`. */
  readonly acl: readonly string[];
  readonly file: string;
}
export interface SemanageInstruction {
  readonly type: 'semanage';
  readonly context: { user: string | null; role: null; type: string; range: string | null };
  readonly file: string;
}
export interface ChownInstruction {
  readonly type: 'chown';
  readonly owner: string | null;
  readonly group: string | null;
  readonly file: string;
}

export type FileInstruction = CopyInstruction | MkdirInstruction;
export type PermissionInstruction = ChmodInstruction | SetfaclInstruction | SemanageInstruction | ChownInstruction;
export type Instruction = FileInstruction | PermissionInstruction;
