package coffre.kms.cli;

import java.lang.reflect.Constructor;
import picocli.CommandLine;
import picocli.CommandLine.IFactory;

/**
 * Picocli factory that hands the {@link CliRuntime} to every command with a
 * {@code (CliRuntime)} constructor, so commands receive their dependencies by constructor rather
 * than through static state. Everything else (groups, mixins, converters) is built by picocli's
 * default factory.
 */
final class CommandFactory implements IFactory {

    private final CliRuntime runtime;
    private final IFactory fallback = CommandLine.defaultFactory();

    CommandFactory(CliRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        Constructor<K> constructor;
        try {
            constructor = type.getDeclaredConstructor(CliRuntime.class);
        } catch (NoSuchMethodException e) {
            return fallback.create(type);
        }
        return constructor.newInstance(runtime);
    }
}
