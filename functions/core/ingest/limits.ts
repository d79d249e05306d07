/**
 * What the platform can carry to the function, which is what bounds an authentic body (the receiver itself refuses no
 * authentic body for its size).
 *
 * API Gateway (HTTP API) takes request bodies up to 10 MB, but hands each request to Lambda as one JSON document, the
 * payload 2.0 event, and Lambda takes a synchronous invocation payload of at most 6 MB (6,291,456 bytes). The body is a
 * JSON string inside that event: a JSON body (Voucherify sends `application/json`) is written as text, so each `"` and
 * `\` in it costs one more byte and each control character up to five more; a body API Gateway treats as binary (any
 * other content type) is base64, four bytes for every three. Beside the body the event holds the headers and the request
 * context, about 1.5 KB. A request whose event would be larger never reaches the function: the platform answers it
 * (`413`) and nothing runs, so only API Gateway's access log (its `status` field) sees it.
 */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** API Gateway's own limit on a request body (HTTP API, 10 MB). */
export const API_GATEWAY_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
