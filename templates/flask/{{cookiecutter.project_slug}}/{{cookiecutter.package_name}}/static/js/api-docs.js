// Starts Swagger UI on /api/docs with the app's OpenAPI document. A file of its own, not an
// inline script, so that the Content-Security-Policy can forbid inline scripts.
"use strict";

window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no calls to swagger.io
  });
});
