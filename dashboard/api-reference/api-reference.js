// Starts Swagger UI on /schema. A file, not an inline script: the page's CSP allows scripts from 'self' only.
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url") || "/schema/openapi.json",
    domNode: root,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
    // No "valid schema" badge: it would fetch an image from swagger.io.
    validatorUrl: null,
  });
})();
