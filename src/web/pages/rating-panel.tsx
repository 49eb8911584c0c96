import type { TrackingView } from "../../contracts/tracking";

/** What the page's script does with the form (reads and sends it); the panel shows `error` when that failed. */
export interface RatingControl {
  submit(event: Event): void;
  sending: boolean;
  error: string | null;
}

const STARS = [1, 2, 3, 4, 5];

/**
 * Below a delivered delivery: a thank-you once rated (from the view, so also after a reload),
 * else the rating form. The form needs the page's script (it sends JSON to the API), so the
 * server's first paint, which has none, says so instead of showing a form that cannot work.
 */
export function RatingPanel(props: { view: TrackingView; control?: RatingControl }) {
  const { view, control } = props;
  if (view.rating) {
    return (
      <section id="rating" class="rating" aria-labelledby="rating-title">
        <h2 id="rating-title">Thank you</h2>
        <p id="rating-thanks" role="status">
          You rated this delivery {view.rating.rating} out of 5.
        </p>
      </section>
    );
  }
  if (view.status !== "delivered") return null;
  if (!control) {
    return (
      <section id="rating" class="rating" aria-labelledby="rating-title">
        <h2 id="rating-title">Rate your delivery</h2>
        <p>The rating form appears once this page has finished loading.</p>
      </section>
    );
  }
  return (
    <section id="rating" class="rating" aria-labelledby="rating-title">
      <h2 id="rating-title">Rate your delivery</h2>
      <form id="rating-form" onSubmit={control.submit}>
        <fieldset class="stars">
          <legend>Your rating</legend>
          {STARS.map((n) => (
            <span class="star">
              <input type="radio" name="rating" id={`rating-${n}`} value={String(n)} required />
              <label for={`rating-${n}`}>{n === 1 ? "1 star" : `${n} stars`}</label>
            </span>
          ))}
        </fieldset>
        <label for="rating-comment">Comment (optional)</label>
        <textarea id="rating-comment" name="comment" maxlength={500} rows={3}></textarea>
        <button type="submit" disabled={control.sending}>
          {control.sending ? "Sending…" : "Send rating"}
        </button>
        <p id="rating-error" class="error" role="alert">
          {control.error ?? ""}
        </p>
      </form>
    </section>
  );
}
