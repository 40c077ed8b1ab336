/// The OpenAPI 3.1 document of the admin API, served at `/openapi.json`. `docs/openapi.json` is
/// a copy (`tenants openapi > docs/openapi.json`; a test keeps the two equal), and schemathesis
/// checks the running server against it in CI.
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "tenant-provisioner admin API",
    "version": "1.0.0",
    "description": "Manage tenants (rows of the accounts table) with database access only. Every write is one transaction with its audit_log row; the provisioner reconciles the change within a second."
  },
  "security": [{"bearer": []}],
  "paths": {
    "/accounts": {
      "get": {
        "operationId": "listAccounts",
        "summary": "Accounts in id order (byte-wise), one page at a time",
        "parameters": [
          {"name": "active", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
          {"$ref": "#/components/parameters/Limit"},
          {"$ref": "#/components/parameters/Cursor"}
        ],
        "responses": {
          "200": {"description": "a page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountPage"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "post": {
        "operationId": "createAccount",
        "summary": "Add an account",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountCreate"}}}},
        "responses": {
          "201": {
            "description": "created",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}, "Location": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/accounts/{id}": {
      "parameters": [{"$ref": "#/components/parameters/AccountID"}],
      "get": {
        "operationId": "getAccount",
        "summary": "One account; its ETag is its generation",
        "responses": {
          "200": {
            "description": "the account",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "patch": {
        "operationId": "updateAccount",
        "summary": "Change is_active, display_name or config; with If-Match, only if the generation is still that one",
        "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountPatch"}}}},
        "responses": {
          "200": {
            "description": "the account as changed",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "412": {"$ref": "#/components/responses/Stale"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "delete": {
        "operationId": "deleteAccount",
        "summary": "Delete the account (the provisioner deletes its Job); status, failures and audit rows stay",
        "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
        "responses": {
          "204": {"description": "deleted"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "412": {"$ref": "#/components/responses/Stale"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/accounts/{id}/status": {
      "parameters": [{"$ref": "#/components/parameters/AccountID"}],
      "get": {
        "operationId": "getAccountStatus",
        "summary": "What the provisioner last wrote about the account (phase null: not seen yet)",
        "responses": {
          "200": {"description": "the status", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/accounts/{id}/failures": {
      "parameters": [{"$ref": "#/components/parameters/AccountID"}],
      "get": {
        "operationId": "listAccountFailures",
        "summary": "Failed containers of the account's Jobs, newest first",
        "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}],
        "responses": {
          "200": {"description": "a page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FailurePage"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/audit": {
      "get": {
        "operationId": "listAudit",
        "summary": "The audit log, newest first",
        "parameters": [
          {"name": "account_id", "in": "query", "schema": {"type": "string"}},
          {"name": "action", "in": "query", "schema": {"type": "string"}},
          {"$ref": "#/components/parameters/Limit"},
          {"$ref": "#/components/parameters/Cursor"}
        ],
        "responses": {
          "200": {"description": "a page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/healthz": {
      "get": {
        "operationId": "healthz",
        "security": [],
        "responses": {"200": {"description": "the server answers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}
      }
    },
    "/readyz": {
      "get": {
        "operationId": "readyz",
        "security": [],
        "responses": {
          "200": {"description": "the database is reachable and its schema current", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
          "503": {"description": "not ready, and why", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "security": [],
        "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "security": [],
        "responses": {"200": {"description": "this document", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "parameters": {
      "AccountID": {
        "name": "id", "in": "path", "required": true,
        "description": "the account id, percent-encoded (ids may hold '/', '@', spaces and unicode)",
        "schema": {"type": "string", "minLength": 1, "maxLength": 253}
      },
      "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
      "Cursor": {"name": "cursor", "in": "query", "description": "next_cursor of the previous page", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}},
      "IfMatch": {
        "name": "If-Match", "in": "header", "description": "the generation the change is meant for, as an entity tag: \"3\"",
        "schema": {"type": "string", "pattern": "^(W/)?\"[1-9][0-9]{0,17}\"$"}
      }
    },
    "headers": {
      "ETag": {"description": "the account's generation, quoted", "schema": {"type": "string", "pattern": "^\"[0-9]+\"$"}}
    },
    "responses": {
      "BadRequest": {"description": "the body is not JSON", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {
        "description": "no bearer token, or a wrong one",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Forbidden": {"description": "a read-only token tried to write", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "no such account", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Conflict": {"description": "an account with this id exists", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Stale": {
        "description": "If-Match names another generation than the account's (the ETag header has the current one)",
        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "TooLarge": {"description": "the body is larger than 64 KiB", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Invalid": {"description": "a field is not valid", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}}},
      "Unavailable": {"description": "the database is unavailable", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Config": {
        "type": "object",
        "description": "per-account settings; env: environment variables of every container of the Job",
        "properties": {
          "env": {
            "type": "object",
            "propertyNames": {"pattern": "^[-._a-zA-Z][-._a-zA-Z0-9]*$"},
            "additionalProperties": {"type": "string"}
          }
        }
      },
      "Account": {
        "type": "object",
        "additionalProperties": false,
        "required": ["account_id", "display_name", "is_active", "config", "generation", "created_at", "updated_at", "last_sync_at"],
        "properties": {
          "account_id": {"type": "string"},
          "display_name": {"type": ["string", "null"]},
          "is_active": {"type": "boolean"},
          "config": {"type": "object"},
          "generation": {"type": "integer", "minimum": 1},
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"},
          "last_sync_at": {"type": ["string", "null"], "format": "date-time"}
        }
      },
      "AccountCreate": {
        "type": "object",
        "additionalProperties": false,
        "required": ["account_id"],
        "properties": {
          "account_id": {"type": "string", "minLength": 1, "maxLength": 253},
          "display_name": {"type": ["string", "null"], "maxLength": 1024},
          "is_active": {"type": "boolean", "default": true},
          "config": {"$ref": "#/components/schemas/Config"}
        }
      },
      "AccountPatch": {
        "type": "object",
        "additionalProperties": false,
        "minProperties": 1,
        "properties": {
          "display_name": {"type": ["string", "null"], "maxLength": 1024},
          "is_active": {"type": "boolean"},
          "config": {"$ref": "#/components/schemas/Config"}
        }
      },
      "AccountPage": {
        "type": "object",
        "additionalProperties": false,
        "required": ["items", "next_cursor"],
        "properties": {
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}},
          "next_cursor": {"type": ["string", "null"]}
        }
      },
      "Status": {
        "type": "object",
        "additionalProperties": false,
        "required": ["account_id", "phase", "job_name", "job_uid", "observed_generation", "generation", "last_success_at",
                     "last_failure_at", "consecutive_failures", "next_restart_at", "memory_override", "message", "updated_at", "image_digests"],
        "properties": {
          "account_id": {"type": "string"},
          "phase": {"type": ["string", "null"], "enum": ["pending", "running", "succeeded", "failed", "restart_scheduled", "deleting", "inactive", "queued", null]},
          "job_name": {"type": ["string", "null"]},
          "job_uid": {"type": ["string", "null"]},
          "observed_generation": {"type": ["integer", "null"]},
          "generation": {"type": ["integer", "null"], "description": "the account's generation now; null when the account was deleted"},
          "last_success_at": {"type": ["string", "null"], "format": "date-time"},
          "last_failure_at": {"type": ["string", "null"], "format": "date-time"},
          "consecutive_failures": {"type": ["integer", "null"]},
          "next_restart_at": {"type": ["string", "null"], "format": "date-time"},
          "memory_override": {"type": ["string", "null"]},
          "message": {"type": ["string", "null"]},
          "updated_at": {"type": ["string", "null"], "format": "date-time"},
          "image_digests": {"type": ["object", "null"], "additionalProperties": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                            "description": "RESOLVE_IMAGE_DIGESTS: the digest the workload runs, by image (registry/repository:tag); null when nothing is pinned"}
        }
      },
      "Failure": {
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "account_id", "namespace", "job_name", "job_uid", "pod_name", "container_name", "exit_code", "reason",
                     "message", "log_tail", "failed_at", "restart_at", "restarted_at", "attempt"],
        "properties": {
          "id": {"type": "integer"},
          "account_id": {"type": "string"},
          "namespace": {"type": "string"},
          "job_name": {"type": "string"},
          "job_uid": {"type": "string"},
          "pod_name": {"type": ["string", "null"]},
          "container_name": {"type": ["string", "null"]},
          "exit_code": {"type": ["integer", "null"]},
          "reason": {"type": ["string", "null"]},
          "message": {"type": ["string", "null"]},
          "log_tail": {"type": ["string", "null"]},
          "failed_at": {"type": "string", "format": "date-time"},
          "restart_at": {"type": ["string", "null"], "format": "date-time"},
          "restarted_at": {"type": ["string", "null"], "format": "date-time"},
          "attempt": {"type": "integer", "minimum": 1}
        }
      },
      "FailurePage": {
        "type": "object",
        "additionalProperties": false,
        "required": ["items", "next_cursor"],
        "properties": {
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/Failure"}},
          "next_cursor": {"type": ["string", "null"]}
        }
      },
      "AuditEntry": {
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "at", "actor", "action", "account_id", "namespace", "job_name", "job_uid", "reason", "details"],
        "properties": {
          "id": {"type": "integer"},
          "at": {"type": "string", "format": "date-time"},
          "actor": {"type": "string"},
          "action": {"type": "string"},
          "account_id": {"type": ["string", "null"]},
          "namespace": {"type": ["string", "null"]},
          "job_name": {"type": ["string", "null"]},
          "job_uid": {"type": ["string", "null"]},
          "reason": {"type": ["string", "null"]},
          "details": {"type": "object"}
        }
      },
      "AuditPage": {
        "type": "object",
        "additionalProperties": false,
        "required": ["items", "next_cursor"],
        "properties": {
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
          "next_cursor": {"type": ["string", "null"]}
        }
      },
      "Health": {
        "type": "object",
        "additionalProperties": false,
        "required": ["status"],
        "properties": {"status": {"type": "string"}, "problem": {"type": "string"}}
      },
      "Error": {
        "type": "object",
        "additionalProperties": false,
        "required": ["error"],
        "properties": {"error": {"type": "string"}}
      },
      "ValidationError": {
        "type": "object",
        "additionalProperties": false,
        "required": ["error", "fields"],
        "properties": {
          "error": {"type": "string"},
          "fields": {"type": "object", "additionalProperties": {"type": "string"}}
        }
      }
    }
  }
}
"""#
}
