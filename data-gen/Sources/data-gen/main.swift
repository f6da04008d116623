print("data-gen")
