"""Hand-kept clinical abbreviations and lay terms for common conditions (ICD-10-CM).

Only unambiguous ones: an abbreviation with several common clinical meanings is listed in
``AMBIGUOUS`` and never linked, because a wrong link is worse than none.
"""

# lower-case phrase -> ICD-10-CM code (matched case-insensitively)
CONDITION_SYNONYMS: dict[str, str] = {
    "hypertension": "I10", "high blood pressure": "I10", "essential hypertension": "I10",
    "type 2 diabetes": "E11", "type 2 diabetes mellitus": "E11", "type ii diabetes": "E11",
    "diabetes mellitus type 2": "E11", "non-insulin-dependent diabetes": "E11", "type 1 diabetes": "E10",
    "type 1 diabetes mellitus": "E10", "type i diabetes": "E10", "diabetes": "E08-E13",
    "diabetes mellitus": "E08-E13", "gestational diabetes": "O24.4", "gestational diabetes mellitus": "O24.4",
    "prediabetes": "R73.03", "heart attack": "I21", "myocardial infarction": "I21",
    "acute myocardial infarction": "I21", "stroke": "I63", "ischemic stroke": "I63",
    "cerebral infarction": "I63", "coronary artery disease": "I25.1", "coronary heart disease": "I25.1",
    "heart failure": "I50", "congestive heart failure": "I50", "atrial fibrillation": "I48",
    "peripheral artery disease": "I73.9", "peripheral arterial disease": "I73.9",
    "peripheral vascular disease": "I73.9", "abdominal aortic aneurysm": "I71.4",
    "chronic obstructive pulmonary disease": "J44", "asthma": "J45", "pneumonia": "J18",
    "community-acquired pneumonia": "J18", "chronic kidney disease": "N18", "obesity": "E66",
    "overweight": "E66.3", "depression": "F32", "major depressive disorder": "F32",
    "posttraumatic stress disorder": "F43.1", "post-traumatic stress disorder": "F43.1", "osteoporosis": "M81",
    "osteoarthritis": "M19.9", "low back pain": "M54.5", "hiv infection": "B20", "hepatitis c": "B18.2",
    "hepatitis b": "B18.1", "tuberculosis": "A15", "latent tuberculosis": "Z22.7", "syphilis": "A53.9",
    "lung cancer": "C34", "breast cancer": "C50", "colorectal cancer": "C18", "colon cancer": "C18",
    "prostate cancer": "C61", "cervical cancer": "C53", "ovarian cancer": "C56", "skin cancer": "C44",
    "melanoma": "C43", "thyroid cancer": "C73", "sickle cell disease": "D57", "iron deficiency anemia": "D50",
    "anemia": "D64.9", "dyslipidemia": "E78.5", "hyperlipidemia": "E78.5", "hypercholesterolemia": "E78.0",
    "hypothyroidism": "E03.9", "hyperthyroidism": "E05.9", "vitamin d deficiency": "E55.9",
    "preeclampsia": "O14.9", "pre-eclampsia": "O14.9", "obstructive sleep apnea": "G47.33", "dementia": "F03",
    "alzheimer disease": "G30.9", "alzheimer's disease": "G30.9", "celiac disease": "K90.0",
    "glaucoma": "H40.9", "scoliosis": "M41.9", "sepsis": "A41.9", "urinary tract infection": "N39.0",
    "venous thromboembolism": "I82.90", "deep vein thrombosis": "I82.40", "pulmonary embolism": "I26.99",
    "chest pain": "R07.9", "fever": "R50.9",
}

# abbreviation -> ICD-10-CM code (matched only as written, in capitals)
ABBREVIATIONS: dict[str, str] = {
    "HTN": "I10", "T2DM": "E11", "T2D": "E11", "T1DM": "E10", "GDM": "O24.4", "CAD": "I25.1", "CHD": "I25.1",
    "CHF": "I50", "AFib": "I48", "PVD": "I73.9", "AAA": "I71.4", "COPD": "J44", "CKD": "N18", "MDD": "F32",
    "PTSD": "F43.1", "HIV": "B20", "HCV": "B18.2", "OSA": "G47.33", "UTI": "N39.0", "VTE": "I82.90",
    "DVT": "I82.40",
    "PAD": "I73.9",
}

# Abbreviations with several common clinical senses: never linked.
AMBIGUOUS: frozenset[str] = frozenset({
    "mi", "ms", "pe", "dm", "ra", "ca", "pt", "ed", "ad", "af", "cp", "bp", "hf", "as", "or", "pd",
    "ih", "lbp", "cf", "ich", "sa", "ap", "ar",
})
