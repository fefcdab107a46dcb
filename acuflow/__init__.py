"""acuflow: practice system for acupuncture and IMS / dry-needling clinics."""
