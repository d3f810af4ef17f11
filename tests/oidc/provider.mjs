// A real OpenID Connect provider for the tests (npm package oidc-provider), never for production.
//
//   node tests/oidc/provider.mjs CONFIG.json [PORT]
//
// PORT (or the environment variable OIDC_PORT, or "port" in the config; 0 or none: a free one)
// is where it listens on 127.0.0.1; the issuer is http://127.0.0.1:PORT. CONFIG.json:
//   {"client": {"client_id": "ioc", "client_secret": "…", "redirect_uris": ["http://…/callback"]},
//    "accounts": {"an": {"name": "Nguyễn Văn An", "preferred_username": "an",
//                        "ioc_role": "operator", "ioc_agency": "police", "ioc_unit": "u1"}},
//    "accounts_file": "accounts.json"}          (either "accounts" inline or "accounts_file")
// The client is confidential (client_secret_basic or client_secret_post), uses the authorization
// code flow, and must send PKCE (S256). Scope "ioc" carries the claims ioc_role, ioc_agency and
// ioc_unit; scope "profile" carries name and preferred_username. ID tokens carry every claim the
// granted scopes allow. People sign in through the provider's built-in development forms (login:
// any password; an account id missing from the accounts gets no sign-in) and consent.
// Prints "ready ISSUER" on stdout once it listens.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';

import Provider from 'oidc-provider';

const IOC_CLAIMS = ['ioc_role', 'ioc_agency', 'ioc_unit'];

function readConfig(path) {
  const config = JSON.parse(readFileSync(path, 'utf8'));
  if (!config.client || !config.client.client_id || !config.client.client_secret) {
    throw new Error('config needs client.client_id and client.client_secret');
  }
  if (!Array.isArray(config.client.redirect_uris) || !config.client.redirect_uris.length) {
    throw new Error('config needs client.redirect_uris (a non-empty list)');
  }
  let accounts = config.accounts || {};
  if (config.accounts_file) {
    const file = resolve(dirname(path), config.accounts_file);
    accounts = { ...accounts, ...JSON.parse(readFileSync(file, 'utf8')) };
  }
  return { ...config, accounts };
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

function accountFinder(accounts) {
  return async function findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    const claims = accounts[id];
    return {
      accountId: id,
      async claims() {
        return { preferred_username: id, ...claims, sub: id };
      },
    };
  };
}

function providerFor(issuer, config) {
  const { client } = config;
  return new Provider(issuer, {
    clients: [{
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.token_endpoint_auth_method || 'client_secret_basic',
    }],
    findAccount: accountFinder(config.accounts),
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      ioc: IOC_CLAIMS,
    },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: { devInteractions: { enabled: true } },
  });
}

// The development forms import a web font from the Internet: the tests' browsers stay on this
// machine, so the import is taken out of every page.
async function offline(ctx, next) {
  await next();
  if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
    ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, '');
  }
}

function main() {
  const [configPath, portArg] = process.argv.slice(2);
  if (!configPath) {
    process.stderr.write('usage: node provider.mjs CONFIG.json [PORT]\n');
    process.exit(2);
  }
  const config = readConfig(configPath);
  const port = Number(portArg || process.env.OIDC_PORT || config.port || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('the port (argument, OIDC_PORT or "port" in the config) must be 0 to 65535');
  }
  // Listen first, so that the issuer names the port really bound (port 0: a free one).
  const server = createServer();
  server.listen(port, '127.0.0.1', () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    const provider = providerFor(issuer, config);
    provider.use(offline);
    provider.on('server_error', (ctx, err) => process.stderr.write(`server_error ${err.stack}\n`));
    server.on('request', provider.callback());
    process.stdout.write(`ready ${issuer}\n`);
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
