/**
 * The cluster's only contact with the NATS client packages: connecting,
 * and making the streams and the workers' consumer exist. Importing the
 * core library never loads this file (only `cluster.ts` does).
 *
 * @module
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { Names } from "./protocol.ts";

export type { NatsConnection };
export { jetstream, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";

const NANOS_PER_MS = 1_000_000;
// How long tasks and results nobody takes are kept (a driver or the workers
// gone for good): a day, then the server drops them.
const KEEP_MS = 24 * 3600_000;
// A task published twice with the same id within this window is stored once
// (a publish retried after a lost acknowledgement).
const DEDUPE_MS = 10 * 60_000;

/** Connection settings of a driver or worker. */
export interface ConnectOptions {
  /** `nats://host:port` URLs. */
  servers: string[];
  /** Name the server shows for this client. */
  name: string;
  /** Milliseconds to keep trying to reconnect after losing the server; `Infinity` for ever. */
  reconnectFor: number;
  /** Milliseconds the first connection may take. */
  connectTimeout: number;
}

// Between reconnect attempts.
const RECONNECT_WAIT_MS = 250;

/** Connects, or throws an error saying which servers could not be reached. */
export async function open(o: ConnectOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: o.servers,
      name: o.name,
      timeout: o.connectTimeout,
      reconnectTimeWait: RECONNECT_WAIT_MS,
      maxReconnectAttempts: o.reconnectFor === Infinity
        ? -1
        : Math.max(1, Math.ceil(o.reconnectFor / RECONNECT_WAIT_MS)),
      pingInterval: 5_000,
      maxPingOut: 3,
    });
  } catch (error) {
    throw new Error(
      `Could not connect to the NATS server at ${o.servers.join(", ")}: ` +
        `${(error as Error).message} (start it with: nats-server -js)`,
      { cause: error },
    );
  }
}

/**
 * Makes the task and result streams and the workers' consumer, if missing
 * (drivers and workers both call it; whoever comes first creates them).
 * `ackWait` (ms): how long a task held by a silent worker stays with it
 * before another worker gets it; a driver passes its own and it wins.
 */
export async function ensureCluster(
  nc: NatsConnection,
  n: Names,
  ackWait?: number,
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const stream = async (name: string, subjects: string[]): Promise<void> => {
    try {
      await jsm.streams.info(name);
    } catch {
      try {
        await jsm.streams.add({
          name,
          subjects,
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          max_age: KEEP_MS * NANOS_PER_MS,
          duplicate_window: DEDUPE_MS * NANOS_PER_MS,
        });
      } catch (error) {
        // Another client made it meanwhile.
        await jsm.streams.info(name).catch(() => {
          throw error;
        });
      }
    }
  };
  await stream(n.tasksStream, [n.tasks]);
  await stream(n.resultsStream, [n.results("*")]);
  const config = {
    durable_name: n.workers,
    ack_policy: AckPolicy.Explicit,
    ack_wait: (ackWait ?? DEFAULT_ACK_WAIT_MS) * NANOS_PER_MS,
    max_deliver: -1,
    max_ack_pending: -1,
  };
  let info;
  try {
    info = await jsm.consumers.info(n.tasksStream, n.workers);
  } catch {
    try {
      await jsm.consumers.add(n.tasksStream, config);
      return jsm;
    } catch (error) {
      info = await jsm.consumers.info(n.tasksStream, n.workers).catch(() => {
        throw error;
      });
    }
  }
  if (ackWait !== undefined && info.config.ack_wait !== config.ack_wait) {
    await jsm.consumers.update(n.tasksStream, n.workers, { ack_wait: config.ack_wait });
  }
  return jsm;
}

/** How long a silent worker keeps a task, unless a driver says otherwise. */
export const DEFAULT_ACK_WAIT_MS = 10_000;
/** How often a worker tells the server it still works on the tasks it holds. */
export const HEARTBEAT_MS = 1_000;
