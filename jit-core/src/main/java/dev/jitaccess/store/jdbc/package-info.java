/**
 * The JDBC grant store: grants, waiting requests and break-glass reviews in PostgreSQL or H2, shared by several
 * application instances through a change feed (LISTEN/NOTIFY on PostgreSQL with the optional pgjdbc driver,
 * polling a change log otherwise). Start at {@link dev.jitaccess.store.jdbc.JdbcGrantStore}.
 */
package dev.jitaccess.store.jdbc;
