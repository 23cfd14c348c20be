// The bundled query_telemetry programs reading and normalising the SQL text on every call (bypass_arg_bytes then
// bypass_normalize_sql), as they did before bypass_arg_sql: QueryTelemetryRecordsTest checks both give the same records.
#define QUERY_TELEMETRY_TEXT_PER_CALL
#include "query_telemetry.c"
