package org.fedmsg.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.BusException;
import org.fedmsg.ConfigException;
import org.fedmsg.certs.CertsException;
import org.fedmsg.policy.PolicyException;
import org.fedmsg.policy.PolicyViolationException;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import picocli.CommandLine;

/**
 * The one place that turns what a command throws into one line on standard error and an exit
 * code: 2 for usage and configuration errors (a bad option, a file not found or unreadable, a
 * parse error), 1 for refusals and failures at run time (a policy refusal, an unreachable relay,
 * a bind refused). Commands throw; they do not print their own stack traces. Setting
 * {@code FEDMSG_DEBUG} adds the stack trace after the line.
 */
final class Failures {
  static final int RUNTIME = 1;
  static final int CONFIG = 2;
  private static final Pattern ERRNO = Pattern.compile("\\bErrno (\\d{1,9})\\b");

  static final CommandLine.IExecutionExceptionHandler HANDLER = (e, cli, parsed) -> {
    Failure f = classify(e);
    cli.getErr().println(cli.getCommandSpec().qualifiedName() + ": " + f.message());
    if (System.getenv("FEDMSG_DEBUG") != null) {
      e.printStackTrace(cli.getErr());
    }
    cli.getErr().flush();
    return f.exitCode();
  };

  /** One line for the operator and the exit code. */
  record Failure(int exitCode, String message) {}

  private Failures() {}

  /** For exceptions picocli catches itself outside the command (exit code mapper). */
  static int exitCode(Throwable e) {
    return e instanceof Exception ex ? classify(ex).exitCode() : RUNTIME;
  }

  static Failure classify(Throwable e) {
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return classify(u.getCause());
    }
    if (e instanceof NoSuchFileException f) {
      return new Failure(CONFIG, f.getFile() + ": not found");
    }
    if (e instanceof AccessDeniedException f) {
      return new Failure(CONFIG, f.getFile() + ": permission denied");
    }
    if (e instanceof FileSystemException f) {
      return new Failure(CONFIG, f.getFile() + ": " + firstLine(f.getReason()));
    }
    if (e instanceof IOException) {
      return new Failure(RUNTIME, firstLine(e.getMessage()));
    }
    if (e instanceof ConfigException || e instanceof PolicyException) {
      return new Failure(CONFIG, firstLine(e.getMessage()));
    }
    if (e instanceof PolicyViolationException) {
      return new Failure(RUNTIME, firstLine(e.getMessage()));  // names the topic, signer and deciding rule
    }
    if (e instanceof ZMQException || e instanceof BusException || e instanceof CertsException
        || e instanceof org.fedmsg.store.StoreException) {
      return new Failure(RUNTIME, firstLine(e.getMessage()));
    }
    if (e instanceof IllegalArgumentException) {
      return new Failure(CONFIG, firstLine(e.getMessage()));
    }
    if (e instanceof IllegalStateException) {
      // Some configuration mistakes still surface as IllegalStateException (issue 18.6 turns them into ConfigException).
      return new Failure(RUNTIME, firstLine(e.getMessage()));
    }
    if (e instanceof CommandLine.ParameterException) {
      return new Failure(CONFIG, firstLine(e.getMessage()));
    }
    return new Failure(RUNTIME, "internal error: " + e.getClass().getName() + ": " + firstLine(e.getMessage())
        + " (set FEDMSG_DEBUG=1 for the stack trace)");
  }

  /**
   * The first line of a message (YAML and other parsers add lines of context), with JeroMQ's bare
   * {@code Errno 48} spelled out as the local error text ({@code Address already in use}).
   */
  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "(no detail)";
    }
    int nl = message.indexOf('\n');
    String line = (nl < 0 ? message : message.substring(0, nl)).strip();
    return ERRNO.matcher(line).replaceAll(m -> Matcher.quoteReplacement(errnoText(Integer.parseInt(m.group(1)))));
  }

  /** JeroMQ numbers errors its own way (EADDRINUSE is 48 on every platform): its text, and the number. */
  static String errnoText(int code) {
    for (ZMQ.Error error : ZMQ.Error.values()) {
      if (error.getCode() == code) {
        return error.getMessage() + " (" + error.name() + ")";
      }
    }
    return "Errno " + code;
  }
}
