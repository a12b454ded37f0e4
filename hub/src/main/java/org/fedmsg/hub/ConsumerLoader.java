package org.fedmsg.hub;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds consumers: {@link ServiceLoader} registrations and classes named in configuration or on the command line. */
final class ConsumerLoader {
  private static final Logger LOG = LoggerFactory.getLogger(Hub.class);

  private ConsumerLoader() {}

  /** Every consumer registered in {@code META-INF/services/org.fedmsg.hub.Consumer}; broken ones are logged and skipped. */
  static List<Consumer> discover(ClassLoader loader) {
    List<Consumer> found = new ArrayList<>();
    ServiceLoader<Consumer> services = ServiceLoader.load(Consumer.class, loader);
    var it = services.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        // one broken registration must not keep the others from running
        LOG.error("consumer registration skipped: {}", e.getMessage());
      }
    }
    return found;
  }

  /**
   * Instantiates {@code className} with its public no-argument constructor.
   *
   * @throws IllegalArgumentException naming the class and what is wrong with it
   */
  static Consumer instantiate(String className, ClassLoader loader) {
    String name = className.strip();
    Class<?> type;
    try {
      type = Class.forName(name, true, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("consumer class " + name + " not found on the class path", e);
    } catch (LinkageError e) {
      throw new IllegalArgumentException("consumer class " + name + " cannot be loaded: " + e, e);
    }
    if (!Consumer.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException("class " + name + " does not implement " + Consumer.class.getName());
    }
    try {
      return (Consumer) type.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("consumer class " + name + " has no public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("consumer class " + name + ": constructor threw " + e.getCause(), e);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException("consumer class " + name + " cannot be instantiated: " + e, e);
    }
  }
}
