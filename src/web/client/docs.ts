/*
 * GET /docs: the interactive API reference, Swagger UI from its npm package, pointed at this
 * service's own OpenAPI document. "Try it out" calls the API with the token pasted under
 * "Authorize"; nothing is loaded from elsewhere.
 */
// @ts-expect-error the package ships no type declarations
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";

SwaggerUI({ url: "/v2/openapi.json", dom_id: "#reference", deepLinking: true, tryItOutEnabled: false });
