package io.corral;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table says the same words as {@link Setting}, so neither drifts. */
class ReadmeTest {

    @Test
    void documentsEverySettingWithItsDefaultAndMeaning() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (Setting s : Setting.values()) {
            // a setting that is unset by default (certfile, ciphers, ...) has an empty cell
            String defaultCell = s.defaultValue().isEmpty() ? "" : "`" + s.defaultValue() + "`";
            String row = "| `" + s.key() + "`"
                    + s.shortFlag().map(f -> " (`" + f + "`)").orElse("") + " | " + defaultCell + " | "
                    + s.description() + " |";
            assertTrue(readme.contains(row), "README.md lacks the row:\n" + row);
        }
    }
}
