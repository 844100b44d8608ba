"""`arrears`: the operator CLI. It talks to the stack through boto3, so it works locally and on AWS."""
