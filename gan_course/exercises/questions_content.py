"""Concept questions, three or more per chapter, answered in the chapters with ``exercises.ask(id, answer)``.

Each is asked in a notebook cell tagged ``question`` right after the section it tests (the instructor
edition holds the right answer; the student edition an empty placeholder). Numbers come from the chapters'
own formulas and outputs; ``tests/test_build_exercises.py`` recomputes the numeric ones with the package.
"""

from __future__ import annotations

import math

from .core import Question

QUESTIONS: dict[str, Question] = {
    # ---------------------------------------------------------------- chapter 1
    "ch1.d_star_ratio": Question(
        1, "At a point x where the data density is three times the generator's, p_data(x) = 3 p_g(x), what is the "
           "optimal discriminator's output D*(x)?",
        0.75, "D*(x) = p_data / (p_data + p_g) = 3 / (3 + 1) = 0.75.",
        section="2. The optimal discriminator and the Jensen–Shannon divergence"),
    "ch1.jsd_maximum": Question(
        1, "What is the largest value the Jensen–Shannon divergence can take, in nats (reached when the two "
           "densities do not overlap at all)? Give a number.",
        math.log(2), "Each KL term to the mixture m = (p + q)/2 is at most log 2, so JSD ≤ ½ log 2 + ½ log 2 = "
                     "log 2 ≈ 0.693 nats.",
        section="2. The optimal discriminator and the Jensen–Shannon divergence"),
    "ch1.disjoint_supports": Question(
        1, "The data and the generator's samples do not overlap at all. What does the JSD, the quantity the "
           "minimax game minimises against the optimal D, tell G about which way to move?",
        "c", "The JSD is stuck at log 2 for every non-overlapping p_g, so its gradient is zero: G gets no "
             "direction, one reason the non-saturating loss is used in practice.",
        choices={"a": "to move towards the nearest data point",
                 "b": "to spread out until it covers the data",
                 "c": "nothing: the JSD is the constant log 2 there, so its gradient is zero",
                 "d": "to move away from the data"},
        wrong={"a": "That would need a distance that sees how far apart the densities are; the JSD does not.",
               "b": "Spreading out helps only once the densities overlap; before that the JSD does not change."},
        section="2. The optimal discriminator and the Jensen–Shannon divergence"),
    # ---------------------------------------------------------------- chapter 2
    "ch2.coin_flip_loss": Question(
        2, "D outputs the logit 0 for every image, real or fake. What is D's total loss, loss_real + loss_fake, "
           "in nats? Give a number.",
        2 * math.log(2), "A logit of 0 is D = 1/2, and each BCE term is then -log ½ = log 2 ≈ 0.693: "
                         "the total is 2 log 2 ≈ 1.386.",
        section="Binary cross-entropy is the GAN loss"),
    "ch2.early_gradient": Question(
        2, "Early in training D rejects the fakes confidently, D(G(z)) ≈ 0. Which generator loss still gives G "
           "a large gradient?",
        "b", "The non-saturating loss -log D(G(z)) has the logit gradient -(1 - D(G(z))) ≈ -1 there; the "
             "saturating one has -D(G(z)) ≈ 0.",
        choices={"a": "the saturating loss log(1 - D(G(z)))",
                 "b": "the non-saturating loss -log D(G(z))",
                 "c": "both equally: they have the same fixed point",
                 "d": "neither: G cannot learn until D gets worse"},
        wrong={"a": "Its gradient with respect to the logit is -D(G(z)), which vanishes when D(G(z)) ≈ 0.",
               "c": "The same fixed point does not mean the same gradients on the way there."},
        section="The generator's loss: saturating and non-saturating"),
    "ch2.logits_not_probabilities": Question(
        2, "Why do the course's losses take D's logits rather than probabilities followed by BCELoss?",
        "a", "For a confident D, sigmoid rounds to exactly 0 or 1 in float32 and BCELoss clips log 0 at -100; "
             "the fused form works on the logit with a stable log-sum-exp.",
        choices={"a": "sigmoid then BCELoss loses the answer for confident logits; the fused loss stays exact",
                 "b": "logits make D train faster",
                 "c": "BCELoss cannot back-propagate",
                 "d": "a logit is a probability already"},
        wrong={"b": "On moderate logits both forms give the same numbers, so the same speed.",
               "c": "BCELoss back-propagates; it is its numbers that go wrong at large logits.",
               "d": "A logit is unbounded; the probability is sigmoid(logit)."},
        section="Logits, not probabilities"),
    # ---------------------------------------------------------------- chapter 3
    "ch3.input_channels": Question(
        3, "For 28×28 grayscale images and label_dim = 10, how many input channels does the conditional "
           "discriminator's first convolution see? Give a number.",
        11, "One image channel plus the label embedding spread into 10 constant maps: 1 + 10 = 11.",
        rtol=0.0, section="The two players"),
    "ch3.projection_product": Question(
        3, "Why does the projection discriminator add v_y·φ(x), a product of a class vector and the features, "
           "rather than a learned number b_y per class?",
        "c", "b_y is the same for every image of class y, so it cannot tell a matching pair (x, y) from a "
             "mismatched one; the product depends on both.",
        choices={"a": "a product is cheaper to compute",
                 "b": "b_y would make D's logit too large",
                 "c": "b_y does not depend on the image, so it cannot judge whether x matches y",
                 "d": "there is no difference"},
        wrong={"a": "It is not cheaper: it is one dot product per image more.",
               "d": "Chapter 3's exercise 1 shows the difference: a label merely added cannot judge the match."},
        section="The two players"),
    "ch3.blind_discriminator": Question(
        3, "In the ablation, D never sees the label. What does G then learn to do with y?",
        "b", "Nothing in D's judgement depends on y, so drawing the requested class earns G nothing: the label "
             "accuracy falls to about chance.",
        choices={"a": "draw the requested class anyway, since G still receives y",
                 "b": "ignore it: its images stop depending on which class was asked for",
                 "c": "draw every class at once",
                 "d": "refuse to train"},
        wrong={"a": "G receives y, but only D's judgement gives it a reason to use it."},
        section="Ablation: a discriminator that does not see the label"),
    # ---------------------------------------------------------------- chapter 4
    "ch4.tconv_doubles": Question(
        4, "A transposed convolution with kernel 4, stride 2 and padding 1 takes a 4×4 map. What is the side of "
           "its output? Give a number.",
        8, "o = (i - 1)s - 2p + k = 3·2 - 2 + 4 = 8: every such layer doubles the side.",
        rtol=0.0, section="Transposed convolutions: upsampling in $G$"),
    "ch4.bias_before_bn": Question(
        4, "Why are the convolutions followed by batch norm built with bias=False?",
        "d", "Batch norm subtracts each channel's mean, which removes any constant bias; its own learned shift β "
             "does the bias's job.",
        choices={"a": "biases make training unstable",
                 "b": "to save memory on the GPU",
                 "c": "PyTorch forbids a bias before batch norm",
                 "d": "batch norm subtracts the mean, so the bias would have no effect; its shift β replaces it"},
        wrong={"b": "It saves a few numbers, but that is not the reason: the bias would simply do nothing."},
        section="Batch norm: where, and where not"),
    "ch4.n_up_64": Question(
        4, "The generator starts at 4×4. How many resolution-doubling layers does it need for 64×64 images "
           "(DCGANConfig.n_up)? Give a number.",
        4, "4 → 8 → 16 → 32 → 64: four doublings (the output layer is the last of them).",
        rtol=0.0, section="The two networks"),
    # ---------------------------------------------------------------- chapter 5
    "ch5.guessing_q": Question(
        5, "Q guesses the 10-way categorical code uniformly at random. What is the categorical loss "
           "(cross-entropy) in nats? Give a number.",
        math.log(10), "-log(1/10) = log 10 ≈ 2.303: the bound log K - loss on the mutual information is then 0.",
        section="The information losses"),
    "ch5.gaussian_nll_floor": Question(
        5, "Q predicts one continuous code exactly, μ = c, with log σ = 0. What is its Gaussian negative "
           "log-likelihood? Give a number.",
        0.5 * math.log(2 * math.pi), "½ log 2π + log σ + ½((c - μ)/σ)² = ½ log 2π + 0 + 0 ≈ 0.919.",
        section="The information losses"),
    "ch5.code_meaning": Question(
        5, "Is InfoGAN's 10-way categorical code guaranteed to match the 10 FashionMNIST classes?",
        "b", "Nothing tells the code what to mean: G and Q make it informative about the image, and it finds "
             "whatever split is easiest to read back, often but not always close to the classes.",
        choices={"a": "yes: there are 10 values and 10 classes",
                 "b": "no: it becomes whatever split of the images Q can read back best",
                 "c": "yes, because D sees the labels",
                 "d": "no: the code has no effect on the images"},
        wrong={"c": "InfoGAN never uses the labels; D only tells real from fake.",
               "d": "The information term makes the code change the image, visibly so in the chapter's grids."},
        section="What the categorical code does"),
    # ---------------------------------------------------------------- chapter 6
    "ch6.l1_alone": Question(
        6, "Trained with the L1 term alone (no discriminator), what does pix2pix's generator tend to produce "
           "where the edges leave the answer uncertain?",
        "a", "L1 is minimised by the per-pixel median of the plausible outputs: a flat, blurry average.",
        choices={"a": "a blurry average of the plausible images",
                 "b": "sharp but wrong textures",
                 "c": "noise",
                 "d": "exactly the true image"},
        wrong={"b": "Sharp invented detail is what the adversarial term adds."},
        section="The objective: cGAN loss plus λ·L1"),
    "ch6.patch_grid": Question(
        6, "The chapter's PatchGAN has n_layers = 1. On 32×32 pairs, what is the side of its grid of logits? "
           "Give a number.",
        14, "32 → 16 at stride 2, then two stride-1 convolutions with kernel 4 and padding 1 take 1 each: 15, 14.",
        rtol=0.0, section="Which patch does each output judge?"),
    "ch6.noise_source": Question(
        6, "pix2pix's generator gets no noise vector z. Where does its randomness come from?",
        "c", "Dropout in the decoder, kept on during training, is its only noise; the chapter measures how little "
             "variety it gives.",
        choices={"a": "from a noise channel added to the edges",
                 "b": "from batch norm's batch statistics only",
                 "c": "from dropout inside the U-Net",
                 "d": "from the discriminator"},
        section="Where is the noise?"),
    # ---------------------------------------------------------------- chapter 7
    "ch7.lsgan_constant_d": Question(
        7, "A discriminator outputs the constant score 0.5 on every patch. What is each of the two terms of the "
           "least-squares D loss, loss_real and loss_fake? Give a number.",
        0.125, "½ (0.5 - 1)² = ½ · 0.25 = 0.125, and ½ · 0.5² = 0.125.",
        section="The discriminator: a PatchGAN"),
    "ch7.reconstruction_terms": Question(
        7, "With λ = 10 and the identity weight 0.5, the two cycle terms add up to 0.05 and the two identity terms to "
           "0.02. How much do the reconstruction terms add to the generators' loss? Give a number.",
        0.6, "λ · cycle + 0.5 · λ · identity = 10 · 0.05 + 5 · 0.02 = 0.5 + 0.1 = 0.6.",
        section="Identity, $0.5\\lambda$"),
    "ch7.why_cycle": Question(
        7, "Without pairs, what does the cycle loss prevent?",
        "b", "Adversarial losses alone accept any output that looks like domain B; the round trip forces G_AB to "
             "keep enough of its input for G_BA to bring it back.",
        choices={"a": "D from overfitting",
                 "b": "G_AB from ignoring its input and drawing any plausible B image",
                 "c": "the images from leaving [-1, 1]",
                 "d": "the two generators from sharing weights"},
        section="Cycle consistency, $\\lambda = 10$"),
    # ---------------------------------------------------------------- chapter 8
    "ch8.fd_shifted_means": Question(
        8, "Two feature sets have the same covariance, and their means are 3 apart (Euclidean distance). What is "
           "their Fréchet distance? Give a number.",
        9, "With equal covariances the trace terms cancel (Σ + Σ - 2Σ = 0), leaving the squared mean distance 3² = 9.",
        section="Three scores"),
    "ch8.collapse_precision_recall": Question(
        8, "A generator draws the same few good-looking images over and over (mode collapse). What do k-NN "
           "precision and recall say?",
        "a", "Its images fall inside the real data's balls (high precision), but they cover little of the data "
             "(low recall).",
        choices={"a": "high precision, low recall",
                 "b": "low precision, high recall",
                 "c": "both high",
                 "d": "both low"},
        wrong={"b": "Precision asks whether the fakes look real; these do."},
        section="Three scores"),
    "ch8.sample_size": Question(
        8, "Two generators were scored with FD on different numbers of samples (1 000 and 10 000). Can the two "
           "numbers be compared?",
        "c", "FD estimated from N samples is biased upwards by an amount that shrinks with N, so only scores "
             "computed with the same N (and the same features) compare.",
        choices={"a": "yes: FD does not depend on the sample size",
                 "b": "yes, after dividing each by its number of samples",
                 "c": "no: FD's estimate is biased upwards, more so for fewer samples",
                 "d": "no: FD needs exactly 50 000 samples"},
        section="The reference ladder"),
    # ---------------------------------------------------------------- chapter 9
    "ch9.emd_parallel_lines": Question(
        9, "P_0 is uniform on the vertical segment at x = 0 and P_θ the same segment moved to x = θ. What is the "
           "earth mover's distance W1(P_0, P_θ) at θ = -0.4? Give a number.",
        0.4, "Every point moves straight across by |θ|, and no plan can do better: W1 = |θ| = 0.4 (the JSD is "
             "log 2 there, whatever θ ≠ 0).",
        section="Why the JS divergence fails: two parallel lines"),
    "ch9.why_lipschitz": Question(
        9, "Why must the WGAN critic be kept 1-Lipschitz (or K-Lipschitz for a fixed K)?",
        "b", "Without a bound, doubling f doubles E[f(x)] - E[f(G(z))]: the supremum would be infinite and the "
             "critic's gap would measure nothing.",
        choices={"a": "so that its output can be read as a probability",
                 "b": "otherwise scaling f up makes the gap E[f(x)] - E[f(G(z))] as large as it likes",
                 "c": "so that it trains faster than the generator",
                 "d": "because the generator must be Lipschitz too"},
        wrong={"a": "The critic's score is unbounded on purpose: no sigmoid, no probability.",
               "d": "The constraint is on the function inside the supremum, the critic, not on G."},
        section="The critic: $W_1$ through its dual"),
    "ch9.lipschitz_bound": Question(
        9, "A critic is three linear layers with spectral norms 2, 0.5 and 3, with LeakyReLU(0.2) between them. "
           "What upper bound on its Lipschitz constant does the product rule give? Give a number.",
        3.0, "Lipschitz constants multiply along a composition, and LeakyReLU's is 1: 2 × 1 × 0.5 × 1 × 3 = 3. "
             "Spectral normalisation divides each weight by its σ, making every factor 1.",
        section="3. Spectral normalisation (SN-GAN)"),
    "ch9.batchnorm_penalty": Question(
        9, "Why does a critic trained with a gradient penalty (or R1) leave out batch norm?",
        "c", "The penalty is on the gradient of f at one sample; with batch norm the score of a sample depends on "
             "the rest of its batch, so the gradient penalised is not that of the function the loss uses.",
        choices={"a": "batch norm is not differentiable, so the double backward fails",
                 "b": "batch norm makes every critic exactly 1-Lipschitz already",
                 "c": "with batch norm one sample's score depends on the others in its batch, so the per-sample "
                      "gradient being penalised is not a gradient of the critic's function",
                 "d": "batch norm only slows training down"},
        wrong={"a": "Batch norm is differentiable, twice; the double backward runs.",
               "b": "Its scaling by 1/σ of the batch can make the slope arbitrarily large, not 1."},
        section="No batch norm in the critic"),
}

# The numbers the end-of-chapter exercises lead to, where one can be checked: asked in a cell after the exercise.
EXERCISE_OUTCOMES: dict[str, Question] = {
    "ch1.ex1_bias": Question(
        1, "Exercise 1: for μ = 1.5, what is the bias b of the logistic regression D*(x) = σ(w x + b)? Give a number.",
        1.125, "log(D*/(1 - D*)) = -μ x + μ²/2, so w = -μ and b = μ²/2 = 1.125.",
        section="Exercises"),
    "ch1.ex3_equal_gradients": Question(
        1, "Exercise 3: at which value of D(G(z)) do the two generator losses pass back gradients of the same size? "
           "Give a number.", 0.5, "|-d| = |-(1 - d)| at d = 1/2, where the two curves cross.",
        section="Exercises"),
    "ch2.ex4_quarter_norm": Question(
        2, "Exercise 4: for d = 100, what is the expected squared norm of (1 - t) z0 + t z1 at t = 1/4? Give a number.",
        62.5, "((1 - t)² + t²) d = (0.5625 + 0.0625) · 100 = 62.5.",
        section="Exercises"),
    "ch4.ex1_first_kernel": Question(
        4, "Exercise 1: with stride 1 and no padding, which kernel size turns the 1×1 noise map into 7×7? Give a number.",
        7, "o = (i - 1)s - 2p + k = 0 + k, so k = 7.", rtol=0.0, section="Exercises"),
    "ch4.ex3_generator_macs": Question(
        4, "Exercise 3: how many multiply-adds does the course's DCGAN generator (DCGANConfig()) perform per image? "
           "Give a number (1% tolerance).",
        4_530_176, "100·128·16 (1×1 input) + 16·128·64·16 + 64·64·32·16 + 256·32·1·16 = 4 530 176, about 12 times "
                   "its parameter count.", section="Exercises"),
    "ch5.ex3_fixed_sigma_nll": Question(
        5, "Exercise 3: with log σ = 0, what is the Gaussian NLL of one code predicted 1 away from its true value? "
           "Give a number.",
        0.5 * math.log(2 * math.pi) + 0.5, "½ log 2π + 0 + ½ · 1² ≈ 1.419: a constant plus half the squared error.",
        section="Exercises"),
    "ch6.ex1_receptive_field_4": Question(
        6, "Exercise 1: what is the receptive field (in pixels) of a PatchGAN with n_layers = 4? Give a number.",
        142, "Walking back from one logit: 1 → 4 → 7 → 16 → 34 → 70 → 142.", rtol=0.0, section="Exercises"),
    "ch6.ex5_kernel5": Question(
        6, "Exercise 5: with every 4×4 kernel of the n_layers = 1 PatchGAN made 5×5, what is its receptive field? "
           "Give a number.",
        21, "From the output back: 1 → 5 → 9 → (9 - 1)·2 + 5 = 21.", rtol=0.0, section="Exercises"),
}
QUESTIONS.update(EXERCISE_OUTCOMES)
