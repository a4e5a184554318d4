/**
 * The notices figures of `pnpm bench` (issue 14): while the benchmark writes, one organisation
 * (the ambulance service, which the written conversations consent to) listens on both channels, a
 * webhook endpoint on a local receiver and a `planChanged` subscription, and every notice's delay
 * from its append (the store's recorded instant, `changedAt`) to its arrival is measured.
 */
import { socketClient, until, WebhookReceiver } from '../../test/support/notify.js';
import type { TestServer } from '../../test/support/server.js';

export interface ChannelFigures {
  notices: number;
  /** Notices that arrived per second, first to last arrival. */
  perSecond: number;
  p50DelayMs: number;
  p99DelayMs: number;
  maxDelayMs: number;
}

export interface SubscriptionFigures extends ChannelFigures {
  /**
   * How many fewer notices the subscription received than the webhook within the wait: both
   * channels carry every change, so anything above 0 is a push that did not arrive.
   */
  shortfall: number;
}

export interface NoticeFigures {
  webhook: ChannelFigures;
  subscription: SubscriptionFigures;
}

/** How long the subscription may lag the drained webhook queue before its shortfall is reported. */
const SUBSCRIPTION_CATCH_UP_MS = 120_000;

const REGISTER = 'mutation ($url: String!) { registerWebhookEndpoint(url: $url) { secret } }';

function figuresOf(arrivals: readonly { at: number; delay: number }[]): ChannelFigures {
  const delays = arrivals.map((a) => a.delay).sort((a, b) => a - b);
  const q = (p: number) =>
    delays.length === 0 ? 0 : delays[Math.min(delays.length - 1, Math.ceil(p * delays.length) - 1)]!;
  const span = arrivals.length < 2 ? 0 : (arrivals.at(-1)!.at - arrivals[0]!.at) / 1000;
  return {
    notices: arrivals.length,
    perSecond: span === 0 ? 0 : Math.round(arrivals.length / span),
    p50DelayMs: Math.round(q(0.5) * 10) / 10,
    p99DelayMs: Math.round(q(0.99) * 10) / 10,
    maxDelayMs: Math.round((delays.at(-1) ?? 0) * 10) / 10,
  };
}

export async function startNoticeProbe(api: TestServer) {
  const receiver = await WebhookReceiver.start();
  const token = await api.token('ambulance-nurse', 'bench');
  const registered = await api.graphql(token, REGISTER, { url: receiver.url });
  if (registered.errors) throw new Error(`cannot register a webhook: ${JSON.stringify(registered.errors)}`);
  const webhook: { at: number; delay: number }[] = [];
  receiver.onRequest = (body) => {
    const now = Date.now();
    const changedAt = (JSON.parse(body) as { data: { changedAt: string } }).data.changedAt;
    webhook.push({ at: now, delay: now - Date.parse(changedAt) });
  };
  const subscription: { at: number; delay: number }[] = [];
  const client = socketClient(api, token);
  const stop = client.subscribe<{ planChanged: { changedAt: string } }>(
    { query: 'subscription { planChanged { changedAt } }' },
    {
      next: (v: { data?: { planChanged: { changedAt: string } } | null }) => {
        const now = Date.now();
        if (v.data) subscription.push({ at: now, delay: now - Date.parse(v.data.planChanged.changedAt) });
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await until(async () => {
    const ready = (await (await fetch(`${api.url}/readyz`)).json()) as { notices?: { subscribers: number } };
    return (ready.notices?.subscribers ?? 0) >= 1;
  }, 'the benchmark subscription');

  return {
    /**
     * Waits for the webhook queue to drain and then for the subscription to have as many notices
     * as the webhook (pushes can still be queued behind the outbox's reads), then the figures of
     * what arrived. A subscription that stays short is reported, not waited for forever.
     */
    async finish(): Promise<NoticeFigures> {
      await until(
        async () => {
          const ready = (await (await fetch(`${api.url}/readyz`)).json()) as {
            notices?: { webhooks: { PENDING: number } };
          };
          return ready.notices?.webhooks.PENDING === 0;
        },
        'the webhook queue to drain',
        120_000,
      );
      const deadline = Date.now() + SUBSCRIPTION_CATCH_UP_MS;
      while (subscription.length < webhook.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      stop();
      await client.dispose();
      await receiver.down();
      return {
        webhook: figuresOf(webhook),
        subscription: {
          ...figuresOf(subscription),
          shortfall: Math.max(0, webhook.length - subscription.length),
        },
      };
    },
  };
}
