import { z } from "zod";

/** The error body of every non-2xx answer (docs/api-notes.md "Conventions"). */
export const ErrorBody = z.object({
  statusCode: z.number().int(),
  timestamp: z.string(),
  path: z.string(),
  message: z.string(),
  error: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
export type ErrorDetail = NonNullable<ErrorBody["details"]>[number];
