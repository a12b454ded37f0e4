package org.fedmsg.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds fedmsg/2 messages the store never received: within one signer's epoch, {@code seq}
 * counts up by one, so a jump over the last archived {@code seq} is a gap. The last {@code seq}
 * of an epoch not seen since start comes from the database, so gaps across a restart of the store
 * are found too. Only the writer thread uses it.
 */
final class SequenceGaps {
  /** Epochs remembered; older ones are looked up in the database again. */
  private static final int MAX_EPOCHS = 10_000;

  record Gap(String signer, String epoch, long from, long to) {
    long count() {
      return to - from + 1;
    }
  }

  private final Map<String, Long> last = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_EPOCHS;
    }
  };
  private Map<String, Long> pending = Map.of();

  /** The gaps a batch shows (not yet remembered: see {@link #commit}). */
  List<Gap> check(Connection c, List<ArchivedMessage> batch) throws SQLException {
    Map<String, Long> seen = new HashMap<>();
    List<Gap> gaps = new ArrayList<>();
    for (ArchivedMessage m : batch) {
      if (m.signer().isEmpty() || m.epoch().isEmpty() || m.seq().isEmpty()) {
        continue;
      }
      String key = m.signer().get() + '\0' + m.epoch().get();
      Long before = seen.containsKey(key) ? seen.get(key) : last.containsKey(key) ? last.get(key)
          : stored(c, m.signer().get(), m.epoch().get());
      long seq = m.seq().getAsLong();
      if (before != null && seq > before + 1) {
        gaps.add(new Gap(m.signer().get(), m.epoch().get(), before + 1, seq - 1));
      }
      seen.put(key, before == null ? seq : Math.max(before, seq));
    }
    pending = seen;
    return gaps;
  }

  /** Remembers the last seq of the batch just committed. */
  void commit(List<Gap> ignored) {
    last.putAll(pending);
    pending = Map.of();
  }

  private static Long stored(Connection c, String signer, String epoch) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("SELECT MAX(seq) FROM messages WHERE signer = ? AND epoch = ?")) {
      st.setString(1, signer);
      st.setString(2, epoch);
      try (ResultSet rs = st.executeQuery()) {
        if (rs.next()) {
          long v = rs.getLong(1);
          return rs.wasNull() ? null : v;
        }
        return null;
      }
    }
  }
}
