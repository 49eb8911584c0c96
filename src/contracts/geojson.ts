import { z } from "zod";
import { polygonProblems } from "../domain/geo";

/**
 * A zone boundary: a GeoJSON Polygon with `[lon, lat]` positions, first ring outer, the rest
 * holes. The geometry rules live in the domain so the API and zone lookup agree on what a
 * valid zone is; each broken rule becomes its own issue pointing at the ring or position.
 */
export const GeoJsonPolygon = z
  .strictObject({
    type: z.literal("Polygon"),
    coordinates: z.array(z.array(z.array(z.number()))),
  })
  .superRefine((polygon, ctx) => {
    for (const problem of polygonProblems(polygon.coordinates)) {
      ctx.addIssue({
        code: "custom",
        path: ["coordinates", ...problem.path],
        message: problem.message,
      });
    }
  });
export type GeoJsonPolygon = z.infer<typeof GeoJsonPolygon>;
