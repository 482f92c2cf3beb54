/* A generic document tree: what YAML and JSON files parse into and what
 * the YAML and JSON emitters write out.
 *
 * A node is null, bool, int (int64), float (double), string, sequence or
 * map. Every node remembers where it came from: `line` and `col` are
 * 1-based positions in the source (0 when the node was built in memory or
 * came from JSON, whose parser does not report node positions), `text` is
 * the original scalar text before type resolution (YAML `id: 007` is the
 * int 7 with text "007"; NULL for collections and built nodes) and
 * `quoted` tells whether the scalar was quoted in the source.
 *
 * Map keys are string nodes (a YAML key `1:` is the string "1", keeping
 * its position); maps keep source order. Ownership: a tree is owned by its
 * root; gz_doc_free frees the root and everything under it. Functions that
 * add a child take ownership of it even when they fail.
 *
 * Parsers and emitters (yaml_doc.c, json_doc.c) are declared here too.
 * Their messages are one line, "FILE:LINE:COL: message" (1-based) when a
 * position is known, "FILE: message" otherwise. */
#ifndef GZ_DOC_H
#define GZ_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Collections nested deeper than this are refused by the parsers and the
 * emitters (the root collection is depth 1). */
#define GZ_DOC_MAX_DEPTH 64
/* Largest YAML or JSON file the readers accept (bytes). */
#define GZ_DOC_MAX_FILE_BYTES ((size_t)1 << 30)

typedef enum gz_doc_kind {
    GZ_DOC_NULL = 0,
    GZ_DOC_BOOL,
    GZ_DOC_INT,
    GZ_DOC_FLOAT,
    GZ_DOC_STRING,
    GZ_DOC_SEQ,
    GZ_DOC_MAP
} gz_doc_kind;

typedef struct gz_doc gz_doc;
struct gz_doc {
    gz_doc_kind kind;
    int line, col;     /* 1-based source position; 0 = unknown */
    bool quoted;       /* scalar was quoted in the source */
    char *text;        /* original scalar text (owned) or NULL */
    bool b;            /* GZ_DOC_BOOL */
    int64_t i;         /* GZ_DOC_INT */
    double f;          /* GZ_DOC_FLOAT */
    char *s;           /* GZ_DOC_STRING: owned, NUL-terminated */
    size_t len;        /* GZ_DOC_STRING: bytes, without the NUL */
    size_t n, cap;     /* SEQ/MAP: number of children, capacity */
    gz_doc **items;    /* SEQ: items; MAP: values */
    gz_doc **keys;     /* MAP: keys (string nodes), parallel to items */
};

/* Name of a kind ("null", "bool", "int", "float", "string", "sequence", "map"). */
const char *gz_doc_kind_name(gz_doc_kind kind);

/* New nodes (line = col = 0, no text). NULL on allocation failure, with
 * the message set. */
gz_doc *gz_doc_new(gz_doc_kind kind);
gz_doc *gz_doc_new_bool(bool b);
gz_doc *gz_doc_new_int(int64_t i);
gz_doc *gz_doc_new_float(double f);
gz_doc *gz_doc_new_string(const char *s, size_t len);

/* Frees d and all its children; NULL is ignored. */
void gz_doc_free(gz_doc *d);

/* Replaces d's source text with a copy of text[0..len). */
gz_status gz_doc_set_text(gz_doc *d, const char *text, size_t len);

/* Appends item to the sequence seq (takes ownership of item always). */
gz_status gz_doc_append(gz_doc *seq, gz_doc *item);

/* Appends key -> value to map (takes ownership of both always; key must be
 * a string node). Does not check for duplicates (see gz_doc_map_find_dup). */
gz_status gz_doc_map_add(gz_doc *map, gz_doc *key, gz_doc *value);

/* Convenience: map_add with a new string key built from key[0..keylen). */
gz_status gz_doc_map_set(gz_doc *map, const char *key, size_t keylen, gz_doc *value);

/* The value of the first entry with this key in map, or NULL. */
const gz_doc *gz_doc_map_get(const gz_doc *map, const char *key);

/* Index of the first key (in map order) that repeats an earlier key, or -1
 * when all keys are distinct. O(n log n). Returns -2 on allocation failure
 * (message set). */
long gz_doc_map_find_dup(const gz_doc *map);

/* Reads a whole file (at most max bytes, else GZ_ERR_LIMIT) into a new
 * NUL-terminated buffer the caller frees with free(). Messages name path. */
gz_status gz_doc_slurp(const char *path, size_t max, char **data, size_t *len);

/* Parses a whole file with parse (gz_yaml_parse, gz_json_parse): reads
 * it with gz_doc_slurp (at most GZ_DOC_MAX_FILE_BYTES) and names it path. */
gz_status gz_doc_read_file(const char *path,
                           gz_status (*parse)(const char *name, const char *data, size_t len,
                                              gz_doc **out),
                           gz_doc **out);

/* The emitters' output: a growing buffer, kept NUL-terminated, that starts
 * as {0}. An append that cannot allocate sets nomem and returns false;
 * appends after that do nothing. The caller frees buf. */
typedef struct gz_doc_text {
    char *buf;
    size_t len, cap;
    bool nomem;
} gz_doc_text;

bool gz_doc_text_put(gz_doc_text *t, const char *s, size_t n);

/* Formats a double so that strtod gives back exactly the same value: the
 * shortest of %.15g, %.16g, %.17g that round-trips. buf must hold 32 bytes.
 * Non-finite values give "nan", "inf" or "-inf" (callers map them). */
void gz_doc_format_double(double v, char *buf, size_t size);

/* ---- YAML (yaml_doc.c, libyaml) ----
 *
 * Reading follows the YAML 1.2 core schema for plain (unquoted, untagged)
 * scalars: null (null, Null, NULL, ~, empty), bool (true/True/TRUE,
 * false/False/FALSE), int (decimal, 0o octal, 0x hex; an int beyond int64
 * becomes a float), float (1.5, 1e3, .5, .inf, -.inf, .nan and case
 * variants); everything else, and every quoted scalar, is a string. The
 * tag !!str (or the non-specific "!") forces a string; !!null, !!bool,
 * !!int, !!float must match the scalar; other tags are refused.
 * Refused with "NAME:LINE:COL: message": syntax errors, anchors, aliases,
 * collections nested deeper than GZ_DOC_MAX_DEPTH, duplicate map keys,
 * non-scalar map keys, more than one document. An empty stream is a null
 * root. `name` is used in messages. */
gz_status gz_yaml_parse(const char *name, const char *data, size_t len, gz_doc **out);
gz_status gz_yaml_read(const char *path, gz_doc **out);

/* Block-style YAML text (UTF-8, ends with a newline) that gz_yaml_parse
 * reads back to the same tree: strings that would resolve to another type
 * (or that YAML 1.1 readers take as booleans: yes/no/on/off/y/n) are
 * quoted; floats use gz_doc_format_double and always carry a '.', 'e' or
 * are .inf/-.inf/.nan; sequences of at most 16 scalars are written in flow
 * style [a, b]. *text is malloc'ed (caller frees). */
gz_status gz_yaml_emit(const gz_doc *doc, char **text, size_t *len);
/* gz_yaml_emit written atomically to path. */
gz_status gz_yaml_write(const char *path, const gz_doc *doc);

/* ---- JSON (json_doc.c, cJSON) ----
 *
 * Numbers whose value is integral and within +-2^53 become ints, others
 * floats. Node positions are not known (line = col = 0). Syntax errors
 * are "NAME:LINE:COL: message" computed from cJSON's error position;
 * duplicate object keys are refused ("NAME: PATH: duplicate key 'k'");
 * nesting deeper than GZ_DOC_MAX_DEPTH is refused. */
gz_status gz_json_parse(const char *name, const char *data, size_t len, gz_doc **out);
gz_status gz_json_read(const char *path, gz_doc **out);

/* JSON text for doc. indent 0 = compact one line; indent > 0 = pretty with
 * that many spaces per level and a final newline. Ints and integral floats
 * below 2^63 are written as plain integers; other floats use
 * gz_doc_format_double (reads back to the same double); NaN and +-Inf are
 * written as null (JSON has no spelling for them). *text is malloc'ed. */
gz_status gz_json_emit(const gz_doc *doc, int indent, char **text, size_t *len);
/* gz_json_emit (pretty when indent > 0) written atomically to path. */
gz_status gz_json_write(const char *path, const gz_doc *doc, int indent);

#endif
