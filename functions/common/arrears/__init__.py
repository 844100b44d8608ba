"""The Arrears domain layer: shared by every Lambda function as the `arrears` layer."""
