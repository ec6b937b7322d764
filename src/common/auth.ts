import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { AccountsRepository } from '../accounts/accounts.repository';

/** Who is calling: a system key of an account, or an agent's personal token. */
export interface Principal {
  accountId: string;
  agentId: string | null;
  role: 'system' | 'admin' | 'agent';
}

type Access = 'public' | 'operator' | 'account' | 'account-admin';
const ACCESS = 'recado:access';
/** No credentials needed (health, metrics, docs, signed webhooks). */
export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
/** The deployment's operator token (RECADO_ADMIN_TOKEN): creates accounts, sees every webhook. */
export const OperatorOnly = () => SetMetadata(ACCESS, 'operator' satisfies Access);
/** A system key or an admin agent of the account. */
export const AccountAdminOnly = () => SetMetadata(ACCESS, 'account-admin' satisfies Access);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    (ctx.switchToHttp().getRequest<FastifyRequest & { principal: Principal }>()).principal,
);

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function generateApiKey(): { key: string; prefix: string; hash: Buffer } {
  const key = `rk_${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  // EventSource cannot set headers: the realtime stream also accepts ?access_token=.
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.access_token === 'string' ? query.access_token : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access =
      this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ??
      'account';
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedException('missing bearer token in the Authorization header');

    if (access === 'operator') {
      if (!sameSecret(token, this.config.adminToken)) throw new UnauthorizedException('invalid operator token');
      return true;
    }
    const principal = await this.accounts.findPrincipalByKeyHash(hashApiKey(token));
    if (!principal) throw new UnauthorizedException('invalid or revoked API key');
    if (access === 'account-admin' && principal.role === 'agent') {
      throw new ForbiddenException('this operation needs a system key or an admin agent');
    }
    request.principal = principal;
    return true;
  }
}
