package org.fedmsg;

/** Fetches gaps from the replay endpoints the configuration and discovery know. */
final class GapFillFetcher {
  private GapFillFetcher() {}

  static GapFill.Fetcher of(BusOptions options) {
    return new GapFill.Fetcher() {
      @Override
      public GapFill.Batch fetch(String fingerprint, String epoch, long from, long to) throws GapFill.FetchFailure {
        throw new GapFill.FetchFailure("no-endpoint", "no replay endpoint is known");
      }

      @Override
      public boolean available() {
        return false;
      }
    };
  }
}
