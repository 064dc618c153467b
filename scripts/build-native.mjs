console.log("build-native placeholder")
