/*
 * One zone's board, kept live: the board route for the state, the ops socket for what happens,
 * and a re-read of what an event touched (debounced, so a burst of events costs one read).
 * The ops stream has no event for a new delivery or a new unassigned record, so a slow safety
 * refresh picks those up; nothing polls faster than that.
 */
import { useCallback, useEffect, useRef, useState } from "hono/jsx/dom";
import { openLiveSocket } from "../live-socket";
import { type Api, messageOf } from "./api";
import { applyEvent, type Refresh, refreshFor } from "./board-events";
import type { Board, FeedEvent, SupportTicketView, UnassignedOrderView } from "./types";

/** Events kept in the feed. */
const FEED_LENGTH = 100;
/** Coalesces a burst of events into one re-read. */
const DEBOUNCE_MS = 300;
/** The safety refresh, for the changes no event announces (new deliveries, new records). */
const SAFETY_REFRESH_MS = 10_000;

const QUIET_IN_FEED = new Set(["delivery_location_updated", "zone_health_updated"]);

export type Connection = "connecting" | "live" | "reconnecting" | "closed";

interface Queues {
  unassigned: UnassignedOrderView[];
  tickets: SupportTicketView[];
}

export interface ZoneBoardState extends Queues {
  board: Board | null;
  /** Why the last read failed, if it did. */
  error: string | null;
  connection: Connection;
  feed: FeedEvent[];
  /** Re-read soon, e.g. after an action whose effect no event announces (resolving a ticket). */
  refresh(what: Refresh): void;
}

const EVERYTHING: Refresh = { board: true, queues: true };
const NOTHING: Refresh = { board: false, queues: false };

async function readQueues(api: Api, zoneId: string): Promise<Queues> {
  const zone = `zoneId=${encodeURIComponent(zoneId)}`;
  // Still waiting = PENDING or NOTIFIED; the query takes one status at a time.
  const [pending, notified, tickets] = await Promise.all([
    api.get<{ orders: UnassignedOrderView[] }>(`/v2/admin/unassigned-orders?${zone}&status=PENDING`),
    api.get<{ orders: UnassignedOrderView[] }>(`/v2/admin/unassigned-orders?${zone}&status=NOTIFIED`),
    api.get<{ tickets: SupportTicketView[] }>(`/v2/admin/support-tickets?${zone}&status=OPEN`),
  ]);
  const unassigned = [...pending.orders, ...notified.orders].sort(
    (a, b) => b.escalationLevel - a.escalationLevel || a.firstAttemptAt.localeCompare(b.firstAttemptAt),
  );
  return { unassigned, tickets: tickets.tickets };
}

export function useZoneBoard(api: Api, token: string, zoneId: string): ZoneBoardState {
  const [board, setBoard] = useState<Board | null>(null);
  const [queues, setQueues] = useState<Queues>({ unassigned: [], tickets: [] });
  const [error, setError] = useState<string | null>(null);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [feed, setFeed] = useState<FeedEvent[]>([]);
  // The current zone's debounced re-read, for the actions.
  const readSoonRef = useRef<(what: Refresh) => void>(() => {});

  useEffect(() => {
    setBoard(null);
    setQueues({ unassigned: [], tickets: [] });
    setFeed([]);
    setError(null);
    setConnection("connecting");
    let stopped = false;
    let socket: { close(): void } | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let due = NOTHING;
    // Reads answer out of order: only the latest one started may land (it saw every earlier change).
    const started = { board: 0, queues: 0 };

    const readQueuesNow = () => {
      const mine = ++started.queues;
      readQueues(api, zoneId).then(
        (fresh) => !stopped && mine === started.queues && setQueues(fresh),
        (e: unknown) => !stopped && mine === started.queues && setError(messageOf(e)),
      );
    };
    const readBoardNow = () => {
      const mine = ++started.board;
      api.get<Board>(`/v2/admin/zones/${encodeURIComponent(zoneId)}/board`).then(
        (fresh) => {
          if (stopped || mine !== started.board) return;
          setBoard(fresh);
          setError(null);
          follow();
        },
        (e: unknown) => !stopped && mine === started.board && setError(messageOf(e)),
      );
    };
    const read = (what: Refresh) => {
      if (what.board) readBoardNow();
      if (what.queues) readQueuesNow();
    };
    const readSoon = (what: Refresh) => {
      due = { board: due.board || what.board, queues: due.queues || what.queues };
      clearTimeout(timer);
      timer = setTimeout(() => {
        const now = due;
        due = NOTHING;
        read(now);
      }, DEBOUNCE_MS);
    };
    readSoonRef.current = readSoon;

    // The stream is followed once the board could be read: a zone this token may not see has
    // no stream, and its socket would only be refused again and again.
    const follow = () => {
      if (socket) return;
      socket = openLiveSocket({
        url: (since) => `${location.origin.replace(/^http/, "ws")}/v2/admin/zones/${encodeURIComponent(zoneId)}/ws?since=${since}`,
        protocols: () => [`bearer.${token}`, "dispatch.v2"],
        onState: (state) => {
          setConnection(state);
          // Whatever happened between the last read and this (re)connection is on the board now.
          if (state === "live") readSoon(EVERYTHING);
        },
        onEvent: (raw) => {
          const event = raw as FeedEvent;
          setBoard((current) => (current ? applyEvent(current, event) : current));
          // Positions (up to once a second per delivery) and health figures (every few seconds) have
          // their own panels: in the feed they would drown everything else.
          if (!QUIET_IN_FEED.has(event.type)) setFeed((current) => [event, ...current].slice(0, FEED_LENGTH));
          const what = refreshFor(event);
          if (what.board || what.queues) readSoon(what);
        },
      });
    };

    read(EVERYTHING);
    const safety = setInterval(() => read(EVERYTHING), SAFETY_REFRESH_MS);
    return () => {
      stopped = true;
      socket?.close();
      clearInterval(safety);
      clearTimeout(timer);
    };
  }, [api, token, zoneId]);

  const refresh = useCallback((what: Refresh) => readSoonRef.current?.(what), []);
  return { board, ...queues, error, connection, feed, refresh };
}
