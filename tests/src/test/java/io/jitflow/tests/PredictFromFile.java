package io.jitflow.tests;

import io.jitflow.Jf;
import io.jitflow.keras.SavedModel;
import java.nio.file.Path;

/** Run in a fresh JVM by {@link SavedModelFreshJvmTest}: loads a saved model and writes its predictions. */
public final class PredictFromFile {
    private PredictFromFile() {
    }

    public static void main(String[] args) throws Exception {
        SavedModel model = SavedModel.load(Path.of(args[0]));
        model.predict(Jf.readNpy(Path.of(args[1]))).writeNpy(Path.of(args[2]));
    }
}
