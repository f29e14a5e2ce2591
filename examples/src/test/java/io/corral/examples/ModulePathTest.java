package io.corral.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link ModulePathCheck} on the module path in a fresh JVM: core and the worker modules must
 * resolve as named modules and the workers must be found through {@code ServiceLoader}, so a broken
 * {@code module-info} (a missing {@code provides}, {@code uses} or export) fails the build.
 */
class ModulePathTest {

    /** The name of the one explicit module at {@code entry}, or "" (test classes, automatic modules). */
    private static String moduleName(Path entry) {
        try {
            if (Files.isDirectory(entry) && !Files.exists(entry.resolve("module-info.class"))) {
                return "";
            }
            Set<ModuleReference> found = ModuleFinder.of(entry).findAll();
            if (found.size() != 1) {
                return "";
            }
            ModuleDescriptor d = found.iterator().next().descriptor();
            return d.isAutomatic() ? "" : d.name();
        } catch (FindException e) {
            return "";
        }
    }

    /** Corral's modules and their dependencies, from the test's class path. */
    private static List<String> modulePath() {
        List<String> modulePath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String module = moduleName(Path.of(entry));
            if (module.startsWith("io.corral") || module.startsWith("org.slf4j") || module.equals("org.jctools.core")) {
                modulePath.add(entry);
            }
        }
        return modulePath;
    }

    /** Runs {@code java --module-path ... args} and returns its output; fails if it does not exit 0. */
    private static String runOnModulePath(List<String> args) throws Exception {
        List<String> modulePath = modulePath();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--module-path");
        command.add(String.join(File.pathSeparator, modulePath));
        command.addAll(args);
        // the output goes to a file, so that a check that hangs is killed and reported, and one that
        // writes a lot never blocks on a full pipe
        Path log = Files.createTempFile("module-path-check", ".log");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = p.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        assertTrue(exited, "the check did not finish:\n" + output);
        assertEquals(0, p.exitValue(), "the module-path check failed:\n" + output + "\nmodule path: " + modulePath);
        return output;
    }

    @Test
    void runsAnUnmodifiedJdkHttpServerApplicationOnCorralOnTheModulePath() throws Exception {
        for (String model : List.of("virtual", "async")) {
            String output = runOnModulePath(List.of(
                    "-Dcorral.worker_class=" + model,
                    "--module",
                    "io.corral.examples/io.corral.examples.JdkHttpServerCheck"));
            assertTrue(output.contains("provider io.corral.jdkhttp.CorralHttpServerProvider"), output);
            assertTrue(output.contains("OK jdk-httpserver 200 hello from the JDK API server=corral"), output);
        }
    }

    @Test
    void findsAndRunsEveryWorkerModelOnTheModulePath() throws Exception {
        String output = runOnModulePath(List.of(
                "--module", "io.corral.examples/io.corral.examples.ModulePathCheck", "sync", "virtual", "async"));
        assertTrue(output.contains("module io.corral.examples found workers"), output);
        assertTrue(output.contains("OK sync 200 hello from sync"), output);
        assertTrue(output.contains("OK virtual 200 hello from virtual"), output);
        assertTrue(output.contains("OK async 200 hello from async"), output);
    }
}
