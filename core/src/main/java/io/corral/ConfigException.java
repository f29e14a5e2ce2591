package io.corral;

import java.util.Optional;

/**
 * A setting that Corral refuses; the message names the setting, the value given and what is
 * allowed, as in {@code workers: 0 is not allowed; expected an integer from 1 to 4096}.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Setting setting;

    /** Creates the error for a bad value of {@code setting}. */
    public ConfigException(Setting setting, String value, String allowed) {
        super(setting.key() + ": '" + value + "' is not allowed; expected " + allowed);
        this.setting = setting;
    }

    /**
     * Creates the error for a setting whose value reads well but names something that does not work,
     * such as a certificate file that is missing or expired: {@code certfile: /etc/tls/cert.pem does
     * not exist}. The message is the setting's name, a colon and {@code problem}.
     */
    public ConfigException(Setting setting, String problem) {
        super(setting.key() + ": " + problem);
        this.setting = setting;
    }

    /** Creates an error that concerns no single setting's value, such as an unknown name. */
    public ConfigException(String message) {
        super(message);
        this.setting = null;
    }

    /** Returns the setting whose value was refused, if the error concerns one. */
    public Optional<Setting> setting() {
        return Optional.ofNullable(setting);
    }
}
