package org.fedmsg.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a provider may need besides its own configuration entry: the whole merged configuration tree, the
 * clock, and shared services keyed by type (for example the directory resolver's trust store and
 * registration policy, supplied by the application).
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}.
 */
public final class ResolverContext {

  private final JsonNode config;
  private final Clock clock;
  private final Map<Class<?>, Object> services;

  private ResolverContext(Builder b) {
    this.config = b.config;
    this.clock = b.clock;
    this.services = Map.copyOf(b.services);
  }

  /**
   * A new builder: empty configuration, system UTC clock, no services.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The merged configuration tree (the keys of the reference {@code fedmsg.d} files).
   *
   * @return the tree, a {@link MissingNode} when none was given; never null
   */
  public JsonNode config() {
    return config;
  }

  /**
   * The clock for expiry decisions and timestamps.
   *
   * @return the clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * A shared service registered under its type.
   *
   * @param type the key type
   * @param <T> the service type
   * @return the service, or empty
   */
  public <T> Optional<T> service(Class<T> type) {
    return Optional.ofNullable(services.get(type)).map(type::cast);
  }

  /** Builder of {@link ResolverContext}; not thread-safe. */
  public static final class Builder {
    private JsonNode config = MissingNode.getInstance();
    private Clock clock = Clock.systemUTC();
    private final Map<Class<?>, Object> services = new HashMap<>();

    private Builder() {}

    /**
     * Sets the merged configuration tree.
     *
     * @param config the tree
     * @return this builder
     * @throws NullPointerException if {@code config} is null
     */
    public Builder config(JsonNode config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets the clock (tests inject a fixed or mutable one).
     *
     * @param clock the clock
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Registers a shared service.
     *
     * @param type the key type
     * @param service the instance
     * @param <T> the service type
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public <T> Builder service(Class<T> type, T service) {
      services.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(service, "service"));
      return this;
    }

    /**
     * Builds the context.
     *
     * @return the immutable context
     */
    public ResolverContext build() {
      return new ResolverContext(this);
    }
  }
}
