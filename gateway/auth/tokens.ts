import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';

/** DESIGN §6 roles. `admin` may do everything; the others are granted per route. */
export const ROLES = ['analyst', 'pharmacist', 'compliance', 'admin', 'system'] as const;
export type Role = (typeof ROLES)[number];

/** Whether a role may do what `allowed` may: admin may do everything. The one rule every route and page checks by. */
export function roleAllows(role: Role, allowed: readonly Role[]): boolean {
  return role === 'admin' || allowed.includes(role);
}

export interface TokenGrant {
  role: Role;
  /** sha256 of the token: the tokens themselves are not kept in memory longer than parsing takes */
  digest: Buffer;
  /** short, non-secret label for logs: the role and the token's first 4 characters */
  label: string;
}

const MIN_TOKEN_LENGTH = 16;

/** Parses `role:token` pairs separated by commas or new lines; `#` starts a comment line. */
export function parseTokens(text: string, variable: string): TokenGrant[] {
  const grants: TokenGrant[] = [];
  const pairs = text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s.length > 0 && !s.startsWith('#'));
  pairs.forEach((pair, index) => {
    const colon = pair.indexOf(':');
    const role = pair.slice(0, colon);
    const token = pair.slice(colon + 1);
    if (colon < 0 || !(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(variable, `entry ${index + 1} must be role:token with role one of ${ROLES.join(', ')}`);
    }
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new ConfigError(variable, `entry ${index + 1} (${role}) must have a token of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    }
    grants.push({ role: role as Role, digest: digest(token), label: `${role}:${token.slice(0, 4)}…` });
  });
  if (grants.length === 0) throw new ConfigError(variable, 'must hold at least one role:token pair');
  return grants;
}

/**
 * Tokens from AUTH_TOKENS or AUTH_TOKENS_FILE. With neither set, the gateway is still closed: it creates one admin
 * token in DATA_DIR/admin.token (mode 0600) on first start and reuses it afterwards.
 */
export async function loadTokens(o: {
  AUTH_TOKENS?: string;
  AUTH_TOKENS_FILE?: string;
  DATA_DIR: string;
}): Promise<{ grants: TokenGrant[]; generatedFile?: string }> {
  if (o.AUTH_TOKENS) return { grants: parseTokens(o.AUTH_TOKENS, 'AUTH_TOKENS') };
  if (o.AUTH_TOKENS_FILE) {
    let text: string;
    try {
      text = await readFile(o.AUTH_TOKENS_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError('AUTH_TOKENS_FILE', `must name a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return { grants: parseTokens(text, 'AUTH_TOKENS_FILE') };
  }
  const file = join(o.DATA_DIR, 'admin.token');
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch {
    token = randomBytes(24).toString('base64url');
    await mkdir(o.DATA_DIR, { recursive: true });
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { grants: parseTokens(`admin:${token}`, file), generatedFile: file };
}

export function findGrant(grants: TokenGrant[], presented: string): TokenGrant | undefined {
  const d = digest(presented);
  // Compare digests of equal length in constant time, and look at every grant so timing says nothing.
  let found: TokenGrant | undefined;
  for (const g of grants) if (timingSafeEqual(g.digest, d) && !found) found = g;
  return found;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
