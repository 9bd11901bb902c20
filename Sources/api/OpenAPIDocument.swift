/// `GET /openapi.yaml`: docs/openapi.yaml, written here by scripts/openapi (do not edit by hand).
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: FoodCount API
          version: 0.1.0
          summary: Exact counts of food events per category.
          description: |
            The counts a FoodCount consumer keeps in SQLite or PostgreSQL, served as JSON (`docs/contract.md` is the
            contract of `GET /aggregated`'s default answer). Every GET also answers HEAD. Errors are JSON:
            `{"error": {"code": ..., "message": ...}}`; an unknown path answers 404 with code `not_found`
            (`/unknown/{path}` stands for them), and any other method than GET and HEAD answers 405 with code
            `method_not_allowed` and an `Allow` header (`components/responses/NotAllowed`).
            The API serves this document at `/openapi.yaml`.
          license:
            name: Proprietary
            identifier: LicenseRef-FoodCount
        servers:
          - url: http://localhost:8080
        paths:
          /aggregated:
            get:
              operationId: getAggregated
              summary: The counts by category.
              description: |
                Without parameters: every category and its count, keys sorted (the contract). `category` keeps the
                named categories (written as people write them: trimmed, lowercased, composed to NFC, as events are);
                `top` keeps the largest counts. The entity tag changes whenever the counts may have changed: send it
                back in `If-None-Match` to get 304 without a body.
              parameters:
                - name: category
                  in: query
                  required: false
                  style: form
                  explode: true
                  schema:
                    type: array
                    items:
                      type: string
                      minLength: 1
                      maxLength: 128
                      pattern: "\\S"
                      description: A category as people write it; after the category rule it is 1 to 128 bytes.
                - name: top
                  in: query
                  required: false
                  schema:
                    type: integer
                    minimum: 1
                    maximum: 1000000
                - name: If-None-Match
                  in: header
                  required: false
                  schema:
                    type: string
              responses:
                "200":
                  description: The counts.
                  headers:
                    ETag:
                      $ref: "#/components/headers/ETag"
                    Cache-Control:
                      $ref: "#/components/headers/CacheControl"
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Counts"
                      example:
                        bagel: 3
                        pizza: 12
                        sandwich: 7
                "304":
                  description: The counts have not changed since the entity tag in `If-None-Match`.
                  headers:
                    ETag:
                      $ref: "#/components/headers/ETag"
                    Cache-Control:
                      $ref: "#/components/headers/CacheControl"
                "400":
                  $ref: "#/components/responses/BadRequest"
                "503":
                  $ref: "#/components/responses/Unavailable"
          /livez:
            get:
              operationId: getLivez
              summary: "Liveness: 200 while the process runs."
              responses:
                "200":
                  description: Alive.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Status"
          /readyz:
            get:
              operationId: getReadyz
              summary: "Readiness: 200 when the counts can be read."
              responses:
                "200":
                  description: Ready.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Status"
                "503":
                  $ref: "#/components/responses/Unavailable"
          /metrics:
            get:
              operationId: getMetrics
              summary: Prometheus metrics, with the 20 largest counts.
              responses:
                "200":
                  description: The Prometheus text exposition format.
                  content:
                    text/plain:
                      schema:
                        type: string
          /openapi.yaml:
            get:
              operationId: getOpenAPI
              summary: This document.
              responses:
                "200":
                  description: The OpenAPI document.
                  content:
                    application/yaml: {}
          /:
            get:
              operationId: getPage
              summary: A page that shows the counts as a bar chart, updated about once a second.
              responses:
                "200":
                  description: A self-contained HTML page.
                  content:
                    text/html:
                      schema:
                        type: string
          /unknown/{path}:
            get:
              operationId: getUnknown
              summary: Any path the API does not serve.
              parameters:
                - name: path
                  in: path
                  required: true
                  schema:
                    type: string
              responses:
                "404":
                  description: No such path.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Error"
        components:
          schemas:
            Counts:
              type: object
              description: Category to count; keys sorted.
              propertyNames:
                type: string
                minLength: 1
              additionalProperties:
                type: integer
                minimum: 0
            Status:
              type: object
              required: [status]
              additionalProperties: false
              properties:
                status:
                  type: string
                  enum: [ok, ready]
            Error:
              type: object
              required: [error]
              additionalProperties: false
              properties:
                error:
                  type: object
                  required: [code, message]
                  additionalProperties: false
                  properties:
                    code:
                      type: string
                      description: |
                        A stable code: `unavailable`, `busy`, `io`, `corrupt`, `read_only` or `other` when the counts
                        cannot be read; `bad_request`, `not_found`, `method_not_allowed`.
                      pattern: "^[a-z0-9_]+$"
                    message:
                      type: string
          headers:
            ETag:
              description: >-
                The entity tag of the counts, from their version in the database (SQLite's data version, the
                PostgreSQL ledger row's).
              schema:
                type: string
            CacheControl:
              description: "`no-cache`: revalidate with `If-None-Match` before reusing."
              schema:
                type: string
                const: no-cache
          responses:
            BadRequest:
              description: A query parameter cannot be used.
              content:
                application/json:
                  schema:
                    $ref: "#/components/schemas/Error"
            Unavailable:
              description: The counts cannot be read (the database is missing, locked past the busy timeout, or corrupt).
              content:
                application/json:
                  schema:
                    $ref: "#/components/schemas/Error"
            NotAllowed:
              description: The method is not supported; use GET or HEAD.
              headers:
                Allow:
                  schema:
                    type: string
              content:
                application/json:
                  schema:
                    $ref: "#/components/schemas/Error"

        """#
}
