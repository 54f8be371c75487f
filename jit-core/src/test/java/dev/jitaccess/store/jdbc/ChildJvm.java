package dev.jitaccess.store.jdbc;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * A second JVM running a main class of the test classpath, talked to line by line over its standard input and
 * output; its standard error goes to a file under {@code target/}.
 */
public final class ChildJvm implements AutoCloseable {

  private final Process process;
  private final PrintWriter in;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the child is gone
      }
    }, "child-jvm-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args} on the test classpath minus the entries {@code exclude} matches. */
  public static ChildJvm start(Class<?> mainClass, Predicate<String> exclude, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classpath().stream().filter(exclude.negate()).toList()));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Files.createDirectories(Paths.get("target"));
    Path log = Files.createTempFile(Paths.get("target"), "child-jvm-", ".log");
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    return new ChildJvm(process, log);
  }

  /** The test classpath, entry by entry, also when surefire hides it in a manifest-only jar. */
  static List<String> classpath() throws IOException {
    String surefire = System.getProperty("surefire.test.class.path");
    String path = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    List<String> entries = new ArrayList<>(List.of(path.split(File.pathSeparator)));
    if (entries.size() == 1 && entries.get(0).endsWith(".jar")) {
      try (JarFile jar = new JarFile(entries.get(0))) {
        Manifest manifest = jar.getManifest();
        String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
        if (classPath != null) {
          entries.clear();
          for (String url : classPath.trim().split("\\s+")) {
            entries.add(Paths.get(java.net.URI.create(url)).toString());
          }
        }
      } catch (IllegalArgumentException e) {
        // not URLs: keep the jar itself
      }
    }
    return entries;
  }

  /** Sends one command and returns the reply line. */
  public String ask(String command, Duration timeout) throws InterruptedException, IOException {
    in.println(command);
    return next(timeout);
  }

  /** The next line the child prints. */
  public String next(Duration timeout) throws InterruptedException, IOException {
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new IllegalStateException("the child JVM did not answer within " + timeout + "; alive="
          + process.isAlive() + ", its log:\n" + Files.readString(log));
    }
    return line;
  }

  /** Kills the child at once, as a crash would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      in.println("quit");
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
