/** @jsxImportSource hono/jsx/dom */
/*
 * The tracking page, live: the server painted the first view; this keeps it current from the
 * customer socket. A status change re-reads the public tracking view (driver, ETA and status
 * come with it); positions and ETAs arrive in their own events. Once delivered, the customer
 * rates here (POST …/rating with the same token).
 */
import { render, useEffect, useState } from "hono/jsx/dom";
import type { TrackingView } from "../../contracts/tracking";
import type { TrackingPageData } from "../pages/tracking-page";
import { TrackingBody } from "../pages/tracking-page";
import type { Point } from "../shared/schematic";
import { openLiveSocket, type StreamEvent } from "./live-socket";

/** Positions kept for the trail. */
const TRAIL_LENGTH = 50;

const data = JSON.parse(document.getElementById("page-data")?.textContent ?? "null") as TrackingPageData;
const base = `/v2/orders/${encodeURIComponent(data.orderId)}`;
const tokenQuery = `token=${encodeURIComponent(data.token)}`;

async function readView(): Promise<TrackingView | null> {
  const res = await fetch(`${base}/delivery-status?${tokenQuery}`, { headers: { Accept: "application/json" } });
  return res.ok ? ((await res.json()) as TrackingView) : null;
}

/** Sends the rating; answers the error to show, or null once it is recorded. */
async function sendRating(rating: number, comment: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(`${base}/rating?${tokenQuery}`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(comment.trim() ? { rating, comment } : { rating }),
    });
  } catch {
    return "The rating could not be sent. Please try again.";
  }
  if (res.ok || res.status === 409) return null;
  return res.status === 400 ? "Please choose 1 to 5 stars (and keep the comment under 500 characters)." : "The rating could not be sent. Please try again.";
}

function apply(view: TrackingView, event: StreamEvent): TrackingView {
  if (event.type === "delivery_location_updated") {
    const location = event.location as { lat: number; lon: number; accuracyMeters: number };
    return { ...view, location: { ...location, lastUpdated: String(event.updatedAt) } };
  }
  if (event.type === "delivery_eta_updated") {
    return { ...view, estimatedPickupTime: String(event.estimatedPickupTime), estimatedDeliveryTime: String(event.estimatedDeliveryTime) };
  }
  return view;
}

function LiveTracking() {
  const [view, setView] = useState<TrackingView>(data.view);
  const [trail, setTrail] = useState<Point[]>(data.view.location ? [data.view.location] : []);
  const [now, setNow] = useState(Date.now());
  const [connection, setConnection] = useState("");
  const [sending, setSending] = useState(false);
  const [ratingError, setRatingError] = useState<string | null>(null);

  useEffect(() => {
    const ticker = setInterval(() => setNow(Date.now()), 1000);
    const socket = openLiveSocket({
      url: (since) => `${location.origin.replace(/^http/, "ws")}${base}/ws?${tokenQuery}&since=${since}`,
      onState: (state) => setConnection(state === "reconnecting" ? "Reconnecting…" : state === "closed" ? "Live updates stopped." : ""),
      // The token expired or was refused: nothing will get better by retrying.
      isFinal: (code) => code === 1008,
      onEvent: (event) => {
        if (event.type === "delivery_status_changed") {
          void readView().then((fresh) => fresh && setView(fresh));
          return;
        }
        setView((current) => apply(current, event));
        if (event.type === "delivery_location_updated") {
          const { lat, lon } = event.location as Point;
          setTrail((current) => [...current, { lat, lon }].slice(-TRAIL_LENGTH));
        }
      },
    });
    return () => {
      clearInterval(ticker);
      socket.close();
    };
  }, []);

  useEffect(() => {
    const status = document.getElementById("connection");
    if (status) status.textContent = connection;
  }, [connection]);

  const rating = {
    sending,
    error: ratingError,
    submit: (event: Event) => {
      event.preventDefault();
      const form = new FormData(event.currentTarget as HTMLFormElement);
      const stars = Number(form.get("rating"));
      const comment = String(form.get("comment") ?? "");
      setSending(true);
      setRatingError(null);
      // Recorded (or already rated elsewhere): the fresh view carries the rating, and the thank-you.
      void sendRating(stars, comment).then(async (error) => {
        const fresh = error ? null : await readView();
        if (fresh) setView(fresh);
        setRatingError(error);
        setSending(false);
      });
    },
  };
  return <TrackingBody view={view} now={now} trail={trail} rating={rating} />;
}

const root = document.getElementById("live");
if (root && data) render(<LiveTracking />, root);
