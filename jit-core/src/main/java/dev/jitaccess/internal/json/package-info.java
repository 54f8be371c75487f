/**
 * The one JSON codec of jit-access: {@link dev.jitaccess.internal.json.JsonWriter} and
 * {@link dev.jitaccess.internal.json.JsonReader}, shared by the audit log, the JDBC store's JSON columns and
 * the signed tokens. Each of those keeps its own mapping between its values and JSON members; only the
 * generic writing, escaping, parsing and limits live here.
 *
 * <p><b>Not API, may change.</b> The classes are public only so that other packages of jit-core can use them;
 * they can change or go away in any release.
 */
package dev.jitaccess.internal.json;
