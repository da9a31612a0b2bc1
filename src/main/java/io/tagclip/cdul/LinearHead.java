package io.tagclip.cdul;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CDUL's classification network as this project trains it: one linear layer over CLIP's L2-normalised global image
 * embedding, {@code logits = f · Wᵀ + b}, read as C independent sigmoid probabilities. The weights live in Java
 * arrays (C·E floats, 40 KB for 20 classes of a 512-wide embedding) and are copied into the caller's scope per call.
 *
 * @param classes C
 * @param dim     E
 * @param weight  {@code [C,E]} row-major
 * @param bias    {@code [C]}
 */
public record LinearHead(int classes, int dim, float[] weight, float[] bias) {

    /** File name of the weights inside a head folder. */
    public static final String WEIGHTS_FILE = "head.safetensors";

    /** Tensor name of the weight matrix. */
    static final String WEIGHT = "weight";

    /** Tensor name of the bias. */
    static final String BIAS = "bias";

    public LinearHead {
        if (classes < 1 || dim < 1) {
            throw new IllegalArgumentException(
                    "head needs at least one class and one feature, got " + classes + "x" + dim);
        }
        if (weight.length != classes * dim || bias.length != classes) {
            throw new IllegalArgumentException("head of " + classes + "x" + dim + " got " + weight.length
                    + " weights and " + bias.length + " biases");
        }
        weight = weight.clone();
        bias = bias.clone();
    }

    @Override
    public float[] weight() {
        return weight.clone();
    }

    @Override
    public float[] bias() {
        return bias.clone();
    }

    /** {@code [B,E]} normalised features to {@code [B,C]} logits, owned by the features' manager. */
    public NDArray logits(NDArray features) {
        Shape shape = features.getShape();
        if (shape.dimension() != 2 || shape.get(1) != dim) {
            throw new IllegalArgumentException("expected [B," + dim + "] features, got " + shape);
        }
        NDManager manager = features.getManager();
        NDArray w = manager.create(weight, new Shape(classes, dim)).toType(features.getDataType(), false); // [C,E]
        NDArray b = manager.create(bias).toType(features.getDataType(), false); // [C]
        return features.matMul(w.transpose()).add(b); // [B,E]x[E,C] -> [B,C]
    }

    /** {@code [B,E]} normalised features to {@code [B,C]} probabilities (float32), owned by their manager. */
    public NDArray probabilities(NDArray features) {
        return Activation.sigmoid(logits(features)).toType(DataType.FLOAT32, false); // [B,C]
    }

    /** Writes the weights as safetensors ({@code weight [C,E]}, {@code bias [C]}, float32) to {@code file}. */
    public void save(Path file) {
        try (NDManager scope = NDManager.newBaseManager();
                OutputStream out = Files.newOutputStream(file)) {
            NDArray w = scope.create(weight, new Shape(classes, dim)); // [C,E]
            w.setName(WEIGHT);
            NDArray b = scope.create(bias); // [C]
            b.setName(BIAS);
            new NDList(w, b).encode(out, NDList.Encoding.SAFETENSORS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write head weights " + file, e);
        }
    }

    /** Reads weights written by {@link #save}; a file without both tensors, or of the wrong shapes, names itself. */
    public static LinearHead load(Path file) {
        try (NDManager scope = NDManager.newBaseManager();
                InputStream in = Files.newInputStream(file)) {
            NDList list = NDList.decode(scope, in);
            NDArray w = list.get(WEIGHT);
            NDArray b = list.get(BIAS);
            if (w == null || b == null) {
                throw new IllegalArgumentException(
                        "head weights " + file + " need tensors '" + WEIGHT + "' and '" + BIAS + "', found "
                                + list.stream().map(NDArray::getName).toList());
            }
            Shape ws = w.getShape();
            if (ws.dimension() != 2
                    || b.getShape().dimension() != 1
                    || b.getShape().get(0) != ws.get(0)) {
                throw new IllegalArgumentException("head weights " + file + " have shapes " + ws + " and "
                        + b.getShape() + ", expected [C,E] and [C]");
            }
            return new LinearHead(
                    Math.toIntExact(ws.get(0)),
                    Math.toIntExact(ws.get(1)),
                    w.toType(DataType.FLOAT32, false).toFloatArray(),
                    b.toType(DataType.FLOAT32, false).toFloatArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read head weights " + file, e);
        }
    }
}
