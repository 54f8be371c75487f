package dev.jitaccess.credential.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The few JDBC shapes the dialects need on an admin connection, with every value bound, never spliced. Stateless. */
final class AdminSql {

  private AdminSql() {}

  static void execute(Connection admin, String sql) throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute(sql);
    }
  }

  /** Whether the query, its {@code ?} bound to {@code parameters} in order, returns a row. */
  static boolean hasRow(Connection admin, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement s = prepare(admin, sql, parameters); ResultSet rs = s.executeQuery()) {
      return rs.next();
    }
  }

  /** The first column of every row, as strings. */
  static List<String> strings(Connection admin, String sql, Object... parameters) throws SQLException {
    List<String> values = new ArrayList<>();
    try (PreparedStatement s = prepare(admin, sql, parameters); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  /** The first column of the first row as an int (a count, a lock result); 0 when there is no row. */
  static int firstInt(Connection admin, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement s = prepare(admin, sql, parameters); ResultSet rs = s.executeQuery()) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private static PreparedStatement prepare(Connection admin, String sql, Object... parameters) throws SQLException {
    PreparedStatement s = admin.prepareStatement(sql);
    try {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      return s;
    } catch (SQLException e) {
      s.close();
      throw e;
    }
  }
}
