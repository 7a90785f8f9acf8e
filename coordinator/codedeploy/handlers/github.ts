// ListGitHubAccountTokenNames, DeleteGitHubAccountToken: an air-gapped coordinator holds no GitHub tokens.
import { fail } from '../errors.ts';
import type { ApiContext } from '../context.ts';
import { optString, type Input } from '../validate.ts';

export async function listGitHubAccountTokenNames(_ctx: ApiContext, input: Input): Promise<unknown> {
  if (input.nextToken !== undefined && input.nextToken !== null) fail('InvalidNextTokenException', 'There are no further pages');
  return { tokenNameList: [] };
}

export async function deleteGitHubAccountToken(_ctx: ApiContext, input: Input): Promise<unknown> {
  const n = optString(input, 'tokenName', 'InvalidGitHubAccountTokenNameException');
  if (n === undefined || n === '') fail('GitHubAccountTokenNameRequiredException', 'tokenName is required');
  return fail('GitHubAccountTokenDoesNotExistException', `No GitHub account token named ${n}: Convoy stores none (GitHub revisions are not supported)`);
}
