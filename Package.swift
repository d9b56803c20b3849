// swift-tools-version:6.0
import PackageDescription

// On Apple platforms BLAS comes from Accelerate; everywhere else from OpenBLAS
// through pkg-config (Debian: libopenblas-dev).
let package = Package(
    name: "trainviz",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Splatting", targets: ["Splatting"]),
        .library(name: "Experiments", targets: ["Experiments"]),
        .library(name: "Replay", targets: ["Replay"]),
        .executable(name: "trainviz", targets: ["trainviz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        // giflib (Debian ships no pkg-config file for it).
        .systemLibrary(
            name: "CGIF",
            providers: [.apt(["libgif-dev"]), .brew(["giflib"])]
        ),
        // glibc's mallopt, to keep training buffers in the heap (Linux only).
        .systemLibrary(name: "CMalloc"),
        // libpng reports errors by longjmp; Swift cannot catch that, so a few
        // lines of C own the setjmp and hand Swift an error string instead.
        .target(name: "CPNGShim", dependencies: ["CPNG"]),
        // AVX-512 convolution kernels, chosen at run time when the CPU has AVX-512F.
        // No unsafe flags anywhere, so the libraries can be a versioned SwiftPM dependency:
        // SwiftPM's release -O2 runs these kernels as fast as -O3 did, and -Ounchecked on
        // Autograd and Splatting gained nothing measurable on CNN-A and 0-3 % on SPLAT-A
        // (README) for undefined behaviour in place of every precondition.
        .target(name: "CKernels"),

        // MARK: - Libraries
        .target(
            name: "Autograd",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                "CKernels",
            ],
            linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]
        ),
        .target(name: "Imaging", dependencies: ["CPNGShim"]),
        .target(name: "Storage"),
        // 2D Gaussian splatting: the tile-based rasterizer op and image losses.
        .target(
            name: "Splatting",
            dependencies: ["Autograd"]
        ),
        .target(name: "Experiments", dependencies: ["Autograd", "Imaging", "Storage", "Splatting"]),
        // `trainviz replay`: frames, GIF and a page from a run folder.
        .target(name: "Replay", dependencies: ["Imaging", "Storage", "CGIF"]),

        // MARK: - Command line
        .executableTarget(
            name: "trainviz",
            dependencies: [
                "Autograd", "Imaging", "Storage", "Splatting", "Experiments", "Replay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        // One closeness check (`assertClose`) and `relativeError` for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "CPNGShim", "CPNG"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "RunStoreFixture"]),
        // A stand-in training loop that StorageTests interrupts with a real SIGINT.
        .executableTarget(name: "RunStoreFixture", dependencies: ["Storage"], path: "Tests/Fixtures/RunStoreFixture"),
        .testTarget(name: "SplattingTests", dependencies: ["Splatting", "Autograd", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "CGIF", "Experiments", "Imaging", "Storage"]),
    ],
    swiftLanguageModes: [.v5]
)
