package dev.sparse24.data;

import dev.sparse24.models.TutorialModel;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.prune.UpdatePruningStep;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.SyntheticIdx;
import dev.sparse24.train.Adam;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.History;
import dev.sparse24.train.SparseCategoricalCrossentropy;
import dev.sparse24.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generic IDX sets written here: other shapes and class counts train; every bad file is named. */
class IdxDatasetTest {
    @TempDir
    Path tmp;

    private static Path writeSet(Path dir, String trainPrefix, String testPrefix, int nTrain, int nTest, int[] item,
                                 int classes, long seed) throws IOException {
        return SyntheticIdx.write(dir, trainPrefix, testPrefix, nTrain, nTest, item, classes, seed);
    }

    @Test
    void rankThreeImagesLoadAsOneChannelAndTrainAStep() throws Exception {
        Path dir = writeSet(tmp.resolve("a"), "train", "t10k", 40, 12, new int[]{8, 8}, 5, 1);
        IdxDataset set = IdxDataset.load(dir);
        assertEquals(Shape.of(8, 8, 1), set.imageShape());
        assertEquals(5, set.classes());
        assertEquals(40, set.trainCount());
        assertEquals(12, set.testCount());
        assertFalse(set.isMnistFiles());
        // Pixels scaled byte / 255, labels as written.
        byte[] raw = Files.readAllBytes(dir.resolve("train-images-idx3-ubyte"));
        assertEquals((raw[16 + 70] & 0xFF) / 255f, set.trainImages().buffer().get(70));
        assertEquals(3, set.trainLabels()[8]);
        trainsOneStep(set);
    }

    @Test
    void rankFourImagesKeepTheirChannelsAndTrainAStep() throws Exception {
        Path dir = writeSet(tmp.resolve("b"), "my-train", "my-test", 30, 7, new int[]{12, 10, 3}, 5, 2);
        IdxDataset set = IdxDataset.load(dir, 20);
        assertEquals(Shape.of(12, 10, 3), set.imageShape());
        assertEquals(5, set.classes());
        assertEquals(20, set.trainCount());
        assertEquals(7, set.testCount());
        assertEquals(Shape.of(20, 12, 10, 3), set.trainImages().shape());
        trainsOneStep(set);
    }

    private static void trainsOneStep(IdxDataset set) {
        Sequential model = TutorialModel.build(true, 3, set.imageShape(), set.classes(), PruningParams.twoByFour());
        Trainer trainer = new Trainer(model, new Adam(), new SparseCategoricalCrossentropy(true));
        History h = trainer.fit(set.trainImages(), set.trainLabels(), FitOptions.defaults().withBatchSize(64)
                .withEpochs(1).withValidationSplit(0).withSeed(1).withVerbose(0), new UpdatePruningStep());
        assertTrue(Double.isFinite(h.epochs().get(0).get("loss")));
        Tensor out = trainer.predict(set.testImages(), 5);
        assertEquals(Shape.of(set.testCount(), set.classes()), out.shape());
    }

    @Test
    void int32LabelsAreRead(@TempDir Path dir) throws Exception {
        writeSet(dir, "train", "test", 6, 4, new int[]{4, 4}, 3, 3);
        ByteBuffer b = ByteBuffer.allocate(4 * 6);
        for (int i = 0; i < 6; i++) {
            b.putInt(i % 300 == 0 ? 299 : i);
        }
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxReaderTest.idx(0x0C, new int[]{6}, b.array()));
        IdxDataset set = IdxDataset.load(dir);
        assertEquals(300, set.classes());
        assertEquals(299, set.trainLabels()[0]);
        assertEquals(5, set.trainLabels()[5]);
    }

    @Test
    void mismatchedCountsAreNamed() throws Exception {
        Path dir = writeSet(tmp.resolve("c"), "train", "t10k", 10, 4, new int[]{4, 4}, 3, 4);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxReaderTest.idx(0x08, new int[]{3}, new byte[]{0, 1, 2}));
        DataIntegrityException e = assertThrows(DataIntegrityException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().contains("4 images") && e.getMessage().contains("3 labels"), e.getMessage());
    }

    @Test
    void testLabelBeyondTheTrainingClassesIsNamed() throws Exception {
        Path dir = writeSet(tmp.resolve("d"), "train", "t10k", 10, 3, new int[]{4, 4}, 3, 5);
        Path labels = dir.resolve("t10k-labels-idx1-ubyte");
        Files.write(labels, IdxReaderTest.idx(0x08, new int[]{3}, new byte[]{0, 7, 1}));
        DataIntegrityException e = assertThrows(DataIntegrityException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().startsWith(labels.toString()) && e.getMessage().contains("label 1 is 7")
                && e.getMessage().contains("0..2"), e.getMessage());
    }

    @Test
    void negativeInt32LabelIsNamed() throws Exception {
        Path dir = writeSet(tmp.resolve("e"), "train", "t10k", 3, 3, new int[]{4, 4}, 3, 6);
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        Files.write(labels, IdxReaderTest.idx(0x0C, new int[]{3},
                ByteBuffer.allocate(12).putInt(0).putInt(-2).putInt(1).array()));
        DataIntegrityException e = assertThrows(DataIntegrityException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().contains("label 1 is -2"), e.getMessage());
    }

    @Test
    void wrongMagicDtypeRankAndTruncationAreFormatErrors() throws Exception {
        Path dir = writeSet(tmp.resolve("f"), "train", "t10k", 4, 2, new int[]{4, 4}, 2, 7);
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] good = Files.readAllBytes(images);

        byte[] magic = good.clone();
        magic[0] = 1;
        Files.write(images, magic);
        assertFormatError(dir, images, "wrong magic");

        byte[] floats = good.clone();
        floats[2] = 0x0D; // float32: not an image type
        Files.write(images, floats);
        assertFormatError(dir, images, "data type");

        Files.write(images, java.util.Arrays.copyOf(good, good.length - 5));
        assertFormatError(dir, images, "truncated");

        // Images of rank 2 ([N, 16]) parse but are not images.
        Files.write(images, IdxReaderTest.idx(0x08, new int[]{4, 16}, new byte[64]));
        DataIntegrityException e = assertThrows(DataIntegrityException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().contains("[N, H, W]"), e.getMessage());

        // Labels of type int32 are fine; images of type int32 are not.
        Files.write(images, IdxReaderTest.idx(0x0C, new int[]{4, 4, 1}, new byte[64]));
        assertFormatError(dir, images, "data type");
    }

    private static void assertFormatError(Path dir, Path file, String words) {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void testImagesOfAnotherShapeAreRefused() throws Exception {
        Path dir = writeSet(tmp.resolve("g"), "train", "t10k", 4, 2, new int[]{4, 4}, 2, 8);
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxReaderTest.idx(0x08, new int[]{2, 4, 5}, new byte[40]));
        DataIntegrityException e = assertThrows(DataIntegrityException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().contains("same shape"), e.getMessage());
    }

    @Test
    void missingOrAmbiguousFilesAreNamed() throws Exception {
        Path dir = writeSet(tmp.resolve("h"), "train", "t10k", 4, 2, new int[]{4, 4}, 2, 9);
        Files.copy(dir.resolve("t10k-images-idx3-ubyte"), dir.resolve("test-images-copy"));
        Files.delete(dir.resolve("train-labels-idx1-ubyte"));
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> IdxDataset.load(dir));
        assertTrue(e.getMessage().contains("lacks train-labels-idx1-ubyte") && e.getMessage().contains("2 files")
                && e.getMessage().contains("test-images-copy"), e.getMessage());
        assertThrows(DatasetNotFoundException.class, () -> IdxDataset.load(tmp.resolve("nowhere")));
    }

    @Test
    void mnistNamesWithOtherContentAreNotMnistAndTrainingDataSaysSoOnce() throws Exception {
        Path dir = tmp.resolve("fashion");
        writeSet(dir, "train", "t10k", 5, 3, new int[]{28, 28}, 10, 10);
        List<String> notes = new ArrayList<>();
        Mnist noMnist = new Mnist(java.util.Map.of(), tmp.resolve("cache"), null);
        IdxDataset set = TrainingData.load(noMnist, dir, Mnist.NO_LIMIT, notes::add);
        assertFalse(set.isMnistFiles());
        assertEquals(1, notes.size());
        assertTrue(notes.get(0).contains("not the MNIST files") && notes.get(0).contains("5 classes"), notes.get(0));
        assertEquals(Shape.of(28, 28, 1), set.imageShape());
        // The MNIST loader itself still refuses them by checksum.
        assertThrows(DataIntegrityException.class, () -> Mnist.loadFrom(dir, 5));
    }

    /**
     * Fuzz-ish: random truncations, byte flips and random bytes of every file give either a
     * data set or one of the documented exceptions, never anything else.
     */
    @Test
    void corruptedFilesGiveOnlyTheDocumentedErrors() throws Exception {
        Path dir = writeSet(tmp.resolve("fuzz"), "train", "t10k", 6, 3, new int[]{3, 2, 2}, 4, 11);
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        List<byte[]> originals = new ArrayList<>();
        for (Path f : files) {
            originals.add(Files.readAllBytes(f));
        }
        Random r = new Random(12);
        int loaded = 0;
        for (int trial = 0; trial < 600; trial++) {
            int which = r.nextInt(files.size());
            byte[] content = originals.get(which).clone();
            switch (trial % 4) {
                case 0 -> content = java.util.Arrays.copyOf(content, r.nextInt(content.length + 1));
                case 1 -> content[r.nextInt(content.length)] = (byte) r.nextInt(256);
                case 2 -> content[r.nextInt(Math.min(12, content.length))] = (byte) r.nextInt(256);
                default -> {
                    content = new byte[r.nextInt(40)];
                    r.nextBytes(content);
                }
            }
            if (trial % 8 == 5) {
                content = IdxReaderTest.gzip(content);
            }
            Files.write(files.get(which), content);
            try {
                IdxDataset set = IdxDataset.load(dir);
                assertTrue(set.classes() >= 1 && set.trainCount() == set.trainLabels().length);
                loaded++;
            } catch (IdxFormatException | DataIntegrityException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            }
            Files.write(files.get(which), originals.get(which));
            try {
                IdxReader.readBytesOrInts(content, "fuzz");
            } catch (IdxFormatException e) {
                assertTrue(e.getMessage().startsWith("fuzz"), e.getMessage());
            }
        }
        assertTrue(loaded > 0, "some single-byte changes (pixels) still load");
    }
}
