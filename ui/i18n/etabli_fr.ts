<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Answer the question</source>
        <translation>Répondre à la question</translation>
    </message>
    <message>
        <source>Follow the check</source>
        <translation>Suivre le contrôle</translation>
    </message>
    <message>
        <source>Plug the device back in</source>
        <translation>Rebranchez l’appareil</translation>
    </message>
    <message>
        <source>Image file</source>
        <translation>Fichier image</translation>
    </message>
    <message>
        <source>Plug back in</source>
        <translation>Rebrancher</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Téléphone</translation>
    </message>
    <message>
        <source>Tablet</source>
        <translation>Tablette</translation>
    </message>
    <message>
        <source>Laptop</source>
        <translation>Ordinateur portable</translation>
    </message>
    <message>
        <source>Desktop computer</source>
        <translation>Ordinateur fixe</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Disque</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <source>See the results</source>
        <translation>Voir les résultats</translation>
    </message>
    <message>
        <source>Start the check</source>
        <translation>Lancer le contrôle</translation>
    </message>
    <message>
        <source>Follow the erasure</source>
        <translation>Suivre l’effacement</translation>
    </message>
    <message>
        <source>Follow the installation</source>
        <translation>Suivre l’installation</translation>
    </message>
    <message>
        <source>How to reconnect it</source>
        <translation>Comment le reconnecter</translation>
    </message>
    <message>
        <source>Dock its disk</source>
        <translation>Brancher son disque</translation>
    </message>
    <message>
        <source>Waiting for a free slot</source>
        <translation>En attente d’une place libre</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Contrôle en cours…</translation>
    </message>
    <message>
        <source>Your answer is needed</source>
        <translation>Votre réponse est attendue</translation>
    </message>
    <message>
        <source>Check finished</source>
        <translation>Contrôle terminé</translation>
    </message>
    <message>
        <source>Check failed</source>
        <translation>Échec du contrôle</translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation>Bloqué</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>Interrompu</translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation>Abandonné</translation>
    </message>
    <message>
        <source>Erasing…</source>
        <translation>Effacement…</translation>
    </message>
    <message>
        <source>Data erased</source>
        <translation>Données effacées</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>Installation…</translation>
    </message>
    <message>
        <source>System installed</source>
        <translation>Système installé</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Prêt</translation>
    </message>
    <message>
        <source>Unplugged</source>
        <translation>Débranché</translation>
    </message>
    <message>
        <source>unplugged</source>
        <translation>débranché</translation>
    </message>
    <message>
        <source>Registered with code %1</source>
        <translation>Enregistré sous le code %1</translation>
    </message>
    <message>
        <source>Identified</source>
        <translation>Identifié</translation>
    </message>
    <message>
        <source>Pre-sorted: %1</source>
        <translation>Pré-tri : %1</translation>
    </message>
    <message>
        <source>Attached to a donation</source>
        <translation>Rattaché à un don</translation>
    </message>
    <message>
        <source>Check started</source>
        <translation>Contrôle lancé</translation>
    </message>
    <message>
        <source>Work began</source>
        <translation>Travail commencé</translation>
    </message>
    <message>
        <source>Step started: %1</source>
        <translation>Étape commencée : %1</translation>
    </message>
    <message>
        <source>Step failed: %1</source>
        <translation>Étape en échec : %1</translation>
    </message>
    <message>
        <source>Check blocked</source>
        <translation>Contrôle bloqué</translation>
    </message>
    <message>
        <source>Check cancelled</source>
        <translation>Contrôle annulé</translation>
    </message>
    <message>
        <source>Check interrupted</source>
        <translation>Contrôle interrompu</translation>
    </message>
    <message>
        <source>Check resumed</source>
        <translation>Contrôle repris</translation>
    </message>
    <message>
        <source>Check abandoned</source>
        <translation>Contrôle abandonné</translation>
    </message>
    <message>
        <source>Graded %1</source>
        <translation>Noté %1</translation>
    </message>
    <message>
        <source>beneficiary %1</source>
        <translation>bénéficiaire %1</translation>
    </message>
    <message>
        <source>due %1</source>
        <translation>retour le %1</translation>
    </message>
    <message>
        <source>ref. %1</source>
        <translation>réf. %1</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>en fin de vie</translation>
    </message>
    <message>
        <source>erased ✓</source>
        <translation>effacé ✓</translation>
    </message>
    <message>
        <source>erasure failed</source>
        <translation>effacement échoué</translation>
    </message>
    <message>
        <source>not erased yet</source>
        <translation>pas encore effacé</translation>
    </message>
    <message>
        <source>Disks: %1</source>
        <translation>Disques : %1</translation>
    </message>
    <message>
        <source>Outcome: %1</source>
        <translation>Destination : %1</translation>
    </message>
    <message>
        <source>Journey complete.</source>
        <translation>Parcours terminé.</translation>
    </message>
    <message>
        <source>Label printed</source>
        <translation>Étiquette imprimée</translation>
    </message>
    <message>
        <source>Disk of computer %1</source>
        <translation>Disque de l’ordinateur %1</translation>
    </message>
    <message>
        <source>Link to its computer removed</source>
        <translation>Lien avec son ordinateur retiré</translation>
    </message>
    <message>
        <source>Installation skipped: %1</source>
        <translation>Installation passée : %1</translation>
    </message>
    <message>
        <source>Installation step done</source>
        <translation>Étape d’installation faite</translation>
    </message>
    <message>
        <source>System installed: %1</source>
        <translation>Système installé : %1</translation>
    </message>
    <message>
        <source>Disk image written</source>
        <translation>Image disque écrite</translation>
    </message>
    <message>
        <source>Writing a disk image</source>
        <translation>Écriture d’une image disque</translation>
    </message>
    <message>
        <source>Hardware inventory taken</source>
        <translation>Inventaire du matériel relevé</translation>
    </message>
    <message>
        <source>Fact recorded</source>
        <translation>Fait enregistré</translation>
    </message>
    <message>
        <source>Donation&apos;s certificate %1</source>
        <translation>Certificat du don %1</translation>
    </message>
    <message>
        <source>Erasure report %1</source>
        <translation>Rapport d’effacement %1</translation>
    </message>
    <message>
        <source>Erasure certificate %1</source>
        <translation>Certificat d’effacement %1</translation>
    </message>
    <message>
        <source>opened</source>
        <translation>ouvert</translation>
    </message>
    <message>
        <source>printed</source>
        <translation>imprimé</translation>
    </message>
    <message>
        <source>saved to a folder or a USB stick</source>
        <translation>enregistré sur une clé ou un dossier</translation>
    </message>
    <message>
        <source>written to a file</source>
        <translation>écrit dans un fichier</translation>
    </message>
    <message>
        <source>issued</source>
        <translation>remis</translation>
    </message>
    <message>
        <source>Erasure started</source>
        <translation>Effacement commencé</translation>
    </message>
    <message>
        <source>Pass %1 started</source>
        <translation>Passage %1 commencé</translation>
    </message>
    <message>
        <source>Pass %1 finished</source>
        <translation>Passage %1 terminé</translation>
    </message>
    <message>
        <source>Erasure progress saved</source>
        <translation>Point de reprise enregistré</translation>
    </message>
    <message>
        <source>Erasure verified</source>
        <translation>Effacement vérifié</translation>
    </message>
    <message>
        <source>Erasure verification failed</source>
        <translation>Vérification de l’effacement échouée</translation>
    </message>
    <message>
        <source>Erasure finished</source>
        <translation>Effacement terminé</translation>
    </message>
    <message>
        <source>Drive&apos;s own erasure cancelled</source>
        <translation>Effacement interne du disque annulé</translation>
    </message>
    <message>
        <source>Erasure</source>
        <translation>Effacement</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Réemploi</translation>
    </message>
    <message>
        <source>Spare parts</source>
        <translation>Pièces détachées</translation>
    </message>
    <message>
        <source>E-waste</source>
        <translation>DEEE</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>inconnu</translation>
    </message>
    <message>
        <source>Donation to a beneficiary</source>
        <translation>Don à un bénéficiaire</translation>
    </message>
    <message>
        <source>Loan</source>
        <translation>Prêt</translation>
    </message>
    <message>
        <source>Rental</source>
        <translation>Location</translation>
    </message>
    <message>
        <source>Solidarity sale</source>
        <translation>Vente solidaire</translation>
    </message>
    <message>
        <source>Recycling</source>
        <translation>Recyclage</translation>
    </message>
    <message>
        <source>Choose the outcome</source>
        <translation>Choisir la destination</translation>
    </message>
    <message>
        <source>Where does %1 go?</source>
        <translation>Où va %1 ?</translation>
    </message>
    <message>
        <source>File number, never a name</source>
        <translation>Numéro de dossier, jamais un nom</translation>
    </message>
    <message>
        <source>e.g. 45 or 45,50</source>
        <translation>par ex. 45 ou 45,50</translation>
    </message>
    <message>
        <source>Number on the eco-organism&apos;s slip</source>
        <translation>Numéro du bordereau de l’éco-organisme</translation>
    </message>
    <message>
        <source>Beneficiary&apos;s reference</source>
        <translation>Référence du bénéficiaire</translation>
    </message>
    <message>
        <source>Return date</source>
        <translation>Date de retour</translation>
    </message>
    <message>
        <source>Price in €</source>
        <translation>Prix en €</translation>
    </message>
    <message>
        <source>Eco-organism&apos;s reference</source>
        <translation>Référence de l’éco-organisme</translation>
    </message>
    <message>
        <source>Comment (optional)</source>
        <translation>Remarque (facultatif)</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Relancer le contrôle</translation>
    </message>
    <message>
        <source>See what to do</source>
        <translation>Voir quoi faire</translation>
    </message>
    <message>
        <source>How to plug it in</source>
        <translation>Comment le brancher</translation>
    </message>
    <message>
        <source>Drive to recycle</source>
        <translation>Disque à recycler</translation>
    </message>
    <message>
        <source>Understood</source>
        <translation>Compris</translation>
    </message>
    <message>
        <source>Remove the Google account</source>
        <translation>Retirer le compte Google</translation>
    </message>
    <message>
        <source>The phone belongs to a company</source>
        <translation>Le téléphone appartient à une entreprise</translation>
    </message>
    <message>
        <source>Drive not erased</source>
        <translation>Disque non effacé</translation>
    </message>
    <message>
        <source>What blocks</source>
        <translation>Ce qui bloque</translation>
    </message>
    <message>
        <source>Reconnect the phone over Wi-Fi</source>
        <translation>Reconnecter le téléphone par Wi-Fi</translation>
    </message>
    <message>
        <source>Last address: %1</source>
        <translation>Dernière adresse : %1</translation>
    </message>
    <message>
        <source>Plug the device in</source>
        <translation>Branchez l’appareil</translation>
    </message>
    <message>
        <source>Stop this job?</source>
        <translation>Arrêter ce travail ?</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Oui</translation>
    </message>
    <message>
        <source>No</source>
        <translation>Non</translation>
    </message>
    <message>
        <source>Erasure certificate</source>
        <translation>Certificat d’effacement</translation>
    </message>
    <message>
        <source>Handover sheet</source>
        <translation>Fiche de remise</translation>
    </message>
    <message>
        <source>Attach the device to a donation first.</source>
        <translation>Rattachez d’abord l’appareil à un don.</translation>
    </message>
    <message>
        <source>Donation report</source>
        <translation>Rapport du don</translation>
    </message>
    <message>
        <source>Donation&apos;s erasure certificate</source>
        <translation>Certificat d’effacement du don</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Ouvrir</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Imprimer</translation>
    </message>
    <message>
        <source>Save to a USB stick…</source>
        <translation>Enregistrer sur une clé USB…</translation>
    </message>
    <message>
        <source>No program opens PDF files here: %1</source>
        <translation>Aucun programme n’ouvre les PDF ici : %1</translation>
    </message>
    <message>
        <source>Sent to the printer: %1</source>
        <translation>Envoyé à l’imprimante : %1</translation>
    </message>
    <message>
        <source>Where to save the document?</source>
        <translation>Où enregistrer le document ?</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Enregistré : %1</translation>
    </message>
    <message>
        <source>Certificates and sheets</source>
        <translation>Certificats et fiches</translation>
    </message>
    <message>
        <source>Install a system</source>
        <translation>Installer un système</translation>
    </message>
    <message>
        <source>Which system to install?</source>
        <translation>Quel système installer ?</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>Import from a USB stick</source>
        <translation>Importer depuis une clé USB</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>Installer</translation>
    </message>
    <message>
        <source>Files expected: %1</source>
        <translation>Fichiers attendus : %1</translation>
    </message>
    <message>
        <source>Images ready and verified.</source>
        <translation>Images prêtes et vérifiées.</translation>
    </message>
    <message>
        <source>The %1 system for this model (%2) is missing.</source>
        <translation>Il manque le système %1 pour ce modèle (%2).</translation>
    </message>
    <message>
        <source>Choose the USB stick or its folder</source>
        <translation>Choisissez la clé USB ou son dossier</translation>
    </message>
    <message>
        <source>Plug the device in first.</source>
        <translation>Branchez d’abord l’appareil.</translation>
    </message>
    <message>
        <source>Wait for the job in progress to end.</source>
        <translation>Attendez la fin de la tâche en cours.</translation>
    </message>
    <message>
        <source>Erase again</source>
        <translation>Effacer à nouveau</translation>
    </message>
    <message>
        <source>Skip the installation…</source>
        <translation>Passer l’installation…</translation>
    </message>
    <message>
        <source>No system from the workshop…</source>
        <translation>Pas de système de l’atelier…</translation>
    </message>
    <message>
        <source>Change its computer…</source>
        <translation>Changer d’ordinateur…</translation>
    </message>
    <message>
        <source>This disk comes from a laptop…</source>
        <translation>Ce disque vient d’un portable…</translation>
    </message>
    <message>
        <source>Link another disk…</source>
        <translation>Relier un autre disque…</translation>
    </message>
    <message>
        <source>Print the label again</source>
        <translation>Réimprimer l’étiquette</translation>
    </message>
    <message>
        <source>Print the label</source>
        <translation>Imprimer l’étiquette</translation>
    </message>
    <message>
        <source>Change the outcome…</source>
        <translation>Changer la destination…</translation>
    </message>
    <message>
        <source>Choose the outcome…</source>
        <translation>Choisir la destination…</translation>
    </message>
    <message>
        <source>Skip the installation</source>
        <translation>Passer l’installation</translation>
    </message>
    <message>
        <source>Why does this computer get no system from the workshop?</source>
        <translation>Pourquoi cet ordinateur ne reçoit-il pas le système de l’atelier ?</translation>
    </message>
    <message>
        <source>Why does this phone keep its system?</source>
        <translation>Pourquoi ce téléphone garde-t-il son système ?</translation>
    </message>
    <message>
        <source>Not possible</source>
        <translation>Impossible</translation>
    </message>
    <message>
        <source>Your workshop</source>
        <translation>Votre atelier</translation>
    </message>
    <message>
        <source>Its name goes on every certificate.</source>
        <translation>Son nom figure sur chaque certificat.</translation>
    </message>
    <message>
        <source>e.g. Ressourcerie du Port</source>
        <translation>par exemple : Ressourcerie du Port</translation>
    </message>
    <message>
        <source>Street, postcode, town</source>
        <translation>Rue, code postal, ville</translation>
    </message>
    <message>
        <source>Phone or e-mail</source>
        <translation>Téléphone ou courriel</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>How to reach you</source>
        <translation>Pour vous joindre</translation>
    </message>
    <message>
        <source>This station</source>
        <translation>Ce poste</translation>
    </message>
    <message>
        <source>Give it a short name, like “Station 1”.</source>
        <translation>Donnez-lui un nom court, comme « Poste 1 ».</translation>
    </message>
    <message>
        <source>Station 1</source>
        <translation>Poste 1</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>Nom du poste</translation>
    </message>
    <message>
        <source>Who works here?</source>
        <translation>Qui travaille ici ?</translation>
    </message>
    <message>
        <source>Add each person: a name and a PIN of 4 to 8 digits.</source>
        <translation>Ajoutez chaque personne : un nom et un code PIN de 4 à 8 chiffres.</translation>
    </message>
    <message>
        <source>First name</source>
        <translation>Prénom</translation>
    </message>
    <message>
        <source>4 to 8 digits (optional)</source>
        <translation>4 à 8 chiffres (facultatif)</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>Code PIN</translation>
    </message>
    <message>
        <source>Add this person</source>
        <translation>Ajouter cette personne</translation>
    </message>
    <message>
        <source>Remove the chosen person</source>
        <translation>Retirer la personne choisie</translation>
    </message>
    <message>
        <source>with PIN</source>
        <translation>avec code PIN</translation>
    </message>
    <message>
        <source>Language of the station</source>
        <translation>Langue du poste</translation>
    </message>
    <message>
        <source>Screens and documents use it.</source>
        <translation>Les écrans et les documents l’utilisent.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>Label printer</source>
        <translation>Imprimante d’étiquettes</translation>
    </message>
    <message>
        <source>Choose the printer, then print a test label.</source>
        <translation>Choisissez l’imprimante, puis imprimez une étiquette d’essai.</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Imprimante</translation>
    </message>
    <message>
        <source>Print a test label</source>
        <translation>Imprimer une étiquette d’essai</translation>
    </message>
    <message>
        <source>Set up a printer…</source>
        <translation>Régler une imprimante…</translation>
    </message>
    <message>
        <source>No printer yet: set one up.</source>
        <translation>Pas encore d’imprimante : réglez-en une.</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>Impression…</translation>
    </message>
    <message>
        <source>Test label sent: %1</source>
        <translation>Étiquette d’essai envoyée : %1</translation>
    </message>
    <message>
        <source>System for the phones</source>
        <translation>Système des téléphones</translation>
    </message>
    <message>
        <source>Installed on each phone once it is wiped.</source>
        <translation>Installé sur chaque téléphone une fois effacé.</translation>
    </message>
    <message>
        <source>None: phones keep their own</source>
        <translation>Aucun : les téléphones gardent le leur</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Système</translation>
    </message>
    <message>
        <source>The collective (optional)</source>
        <translation>Le collectif (facultatif)</translation>
    </message>
    <message>
        <source>No code yet? Skip this page.</source>
        <translation>Pas encore de code ? Passez cette page.</translation>
    </message>
    <message>
        <source>Given by the collective</source>
        <translation>Donné par le collectif</translation>
    </message>
    <message>
        <source>Enrolment code</source>
        <translation>Code d’inscription</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>Adresse du collectif</translation>
    </message>
    <message>
        <source>Enrol this station</source>
        <translation>Inscrire ce poste</translation>
    </message>
    <message>
        <source>Already enrolled with %1.</source>
        <translation>Déjà inscrit auprès de %1.</translation>
    </message>
    <message>
        <source>Type the hub&apos;s address and the code.</source>
        <translation>Tapez l’adresse du collectif et le code.</translation>
    </message>
    <message>
        <source>Enrolling…</source>
        <translation>Inscription…</translation>
    </message>
    <message>
        <source>Station enrolled (%1).</source>
        <translation>Poste inscrit (%1).</translation>
    </message>
    <message>
        <source>Setting up Établi</source>
        <translation>Mise en route d’Établi</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Précédent</translation>
    </message>
    <message>
        <source>Step %1 of %2</source>
        <translation>Étape %1 sur %2</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Terminer</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Suivant</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Réglages</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <source>Workshop</source>
        <translation>Atelier</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Poste</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>Opérateurs</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>Téléphones</translation>
    </message>
    <message>
        <source>Collective</source>
        <translation>Collectif</translation>
    </message>
    <message>
        <source>Grade the device</source>
        <translation>Noter l’appareil</translation>
    </message>
    <message>
        <source>Check %1 by hand</source>
        <translation>Contrôler %1 à la main</translation>
    </message>
    <message>
        <source>Works</source>
        <translation>Fonctionne</translation>
    </message>
    <message>
        <source>Does not work</source>
        <translation>Ne fonctionne pas</translation>
    </message>
    <message>
        <source>Record the grade</source>
        <translation>Enregistrer la note</translation>
    </message>
    <message>
        <source>serial %1</source>
        <translation>n° %1</translation>
    </message>
    <message>
        <source>Scan or type the computer&apos;s code</source>
        <translation>Scannez ou tapez le code de l’ordinateur</translation>
    </message>
    <message>
        <source>New laptop…</source>
        <translation>Nouveau portable…</translation>
    </message>
    <message>
        <source>Brand</source>
        <translation>Marque</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Numéro de série</translation>
    </message>
    <message>
        <source>Register this laptop</source>
        <translation>Enregistrer ce portable</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>Relier</translation>
    </message>
    <message>
        <source>This disk comes from a computer</source>
        <translation>Ce disque vient d’un ordinateur</translation>
    </message>
    <message>
        <source>Which computer was disk %1 taken out of?</source>
        <translation>De quel ordinateur sort le disque %1 ?</translation>
    </message>
    <message>
        <source>From no computer (remove the link)</source>
        <translation>D’aucun ordinateur (retirer le lien)</translation>
    </message>
    <message>
        <source>Link its disk</source>
        <translation>Relier son disque</translation>
    </message>
    <message>
        <source>Which docked disk was taken out of %1?</source>
        <translation>Quel disque branché sort de %1 ?</translation>
    </message>
    <message>
        <source>Dock its disk at the station first.</source>
        <translation>Branchez d’abord son disque au poste.</translation>
    </message>
</context>
<context>
    <name>BatchBar</name>
    <message>
        <source>Erase and install %1</source>
        <translation>Effacer et installer %1</translation>
    </message>
    <message>
        <source>All the %1</source>
        <translation>Tous les %1</translation>
    </message>
</context>
<context>
    <name>BatchSummaryView</name>
    <message>
        <source>Batch %1 · %2</source>
        <translation>Série %1 · %2</translation>
    </message>
    <message numerus="yes">
        <source>%n done</source>
        <translation>
            <numerusform>%n terminé</numerusform>
            <numerusform>%n terminés</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n échoué</numerusform>
            <numerusform>%n échoués</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n waiting for you</source>
        <translation>
            <numerusform>%n attend votre réponse</numerusform>
            <numerusform>%n attendent votre réponse</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n running</source>
        <translation>
            <numerusform>%n en cours</numerusform>
            <numerusform>%n en cours</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DeviceCard</name>
    <message>
        <source>TRAINING</source>
        <translation>FORMATION</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Série</translation>
    </message>
    <message>
        <source>Include in the batch</source>
        <translation>Mettre dans la série</translation>
    </message>
</context>
<context>
    <name>DevicePanel</name>
    <message>
        <source>Choose a device on the left, or scan its code.</source>
        <translation>Choisissez un appareil à gauche, ou scannez son code.</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>FORMATION</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>Identité</translation>
    </message>
    <message>
        <source>What to do now</source>
        <translation>À faire maintenant</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Abandon</source>
        <translation>Abandonner</translation>
    </message>
    <message>
        <source>Other actions</source>
        <translation>Autres actions</translation>
    </message>
    <message>
        <source>Certificates and sheets</source>
        <translation>Certificats et fiches</translation>
    </message>
    <message>
        <source>Donation documents</source>
        <translation>Documents du don</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Résultats</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Historique</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>En savoir plus</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Numéro de série</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Étape du parcours</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>Android</source>
        <translation>Android</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>Stockage</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>Capacité</translation>
    </message>
    <message>
        <source>Plugged in</source>
        <translation>Branché</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <source>no</source>
        <translation>non</translation>
    </message>
    <message>
        <source>Donation</source>
        <translation>Don</translation>
    </message>
    <message>
        <source>— not attached —</source>
        <translation>— non rattaché —</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>Valider</translation>
    </message>
    <message>
        <source>See what to do</source>
        <translation>Voir quoi faire</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Relancer le contrôle</translation>
    </message>
</context>
<context>
    <name>GradeBadge</name>
    <message>
        <source>Grade %1</source>
        <translation>Note %1</translation>
    </message>
</context>
<context>
    <name>HandsetPanel</name>
    <message>
        <source>Simulated phone</source>
        <translation>Téléphone simulé</translation>
    </message>
    <message>
        <source>%1: press its keys as on a real phone.</source>
        <translation>%1 : appuyez sur ses touches comme sur un vrai téléphone.</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>Marche/Arrêt</translation>
    </message>
    <message>
        <source>Volume up</source>
        <translation>Volume +</translation>
    </message>
    <message>
        <source>Volume down</source>
        <translation>Volume −</translation>
    </message>
    <message>
        <source>Hold Power + Volume −</source>
        <translation>Maintenir Marche + Volume −</translation>
    </message>
    <message>
        <source>Hold Power + Volume +</source>
        <translation>Maintenir Marche + Volume +</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>Intake of a donation</source>
        <translation>Accueil d’un don</translation>
    </message>
    <message>
        <source>1. The donation</source>
        <translation>1. Le don</translation>
    </message>
    <message>
        <source>New donor…</source>
        <translation>Nouveau donateur…</translation>
    </message>
    <message>
        <source>Donor</source>
        <translation>Donateur</translation>
    </message>
    <message>
        <source>Name of the company, body or person</source>
        <translation>Nom de l’entreprise, de l’organisme ou de la personne</translation>
    </message>
    <message>
        <source>New donor&apos;s name</source>
        <translation>Nom du nouveau donateur</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Entreprise</translation>
    </message>
    <message>
        <source>Public body</source>
        <translation>Organisme public</translation>
    </message>
    <message>
        <source>Association</source>
        <translation>Association</translation>
    </message>
    <message>
        <source>Private person</source>
        <translation>Particulier</translation>
    </message>
    <message>
        <source>Kind of donor</source>
        <translation>Type de donateur</translation>
    </message>
    <message>
        <source>Received on</source>
        <translation>Reçu le</translation>
    </message>
    <message>
        <source>e.g. agreement 2026-014</source>
        <translation>ex. : convention 2026-014</translation>
    </message>
    <message>
        <source>Agreement reference</source>
        <translation>Référence de la convention</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>inconnu</translation>
    </message>
    <message>
        <source>Devices expected</source>
        <translation>Appareils attendus</translation>
    </message>
    <message>
        <source>2. A device of this donation</source>
        <translation>2. Un appareil de ce don</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Téléphone</translation>
    </message>
    <message>
        <source>Tablet</source>
        <translation>Tablette</translation>
    </message>
    <message>
        <source>Laptop</source>
        <translation>Ordinateur portable</translation>
    </message>
    <message>
        <source>Desktop computer</source>
        <translation>Ordinateur fixe</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Disque</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Brand</source>
        <translation>Marque</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>Numéro de série</translation>
    </message>
    <message>
        <source>15 digits, phones only (*#06#)</source>
        <translation>15 chiffres, téléphones seulement (*#06#)</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Réemploi</translation>
    </message>
    <message>
        <source>Spare parts</source>
        <translation>Pièces détachées</translation>
    </message>
    <message>
        <source>E-waste</source>
        <translation>DEEE</translation>
    </message>
    <message>
        <source>First look</source>
        <translation>Premier coup d’œil</translation>
    </message>
    <message>
        <source>Yes, the same device</source>
        <translation>Oui, le même appareil</translation>
    </message>
    <message>
        <source>No, I correct it</source>
        <translation>Non, je corrige</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>En savoir plus</translation>
    </message>
    <message>
        <source>Write this code on the device:</source>
        <translation>Écrivez ce code sur l’appareil :</translation>
    </message>
    <message>
        <source>Register the device</source>
        <translation>Enregistrer l’appareil</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Terminer</translation>
    </message>
    <message>
        <source>Type the donor&apos;s name first.</source>
        <translation>Tapez d’abord le nom du donateur.</translation>
    </message>
    <message>
        <source>Is it the same device as %1?</source>
        <translation>Est-ce le même appareil que %1 ?</translation>
    </message>
    <message>
        <source>Register the next device</source>
        <translation>Enregistrer l’appareil suivant</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Établi — refurbishing bench</source>
        <translation>Établi — poste de reconditionnement</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>FORMATION</translation>
    </message>
    <message>
        <source>TRAINING MODE — simulated devices, nothing here is real or sent anywhere</source>
        <translation>MODE FORMATION — appareils simulés, rien ici n’est réel ni envoyé</translation>
    </message>
    <message>
        <source>Scan or type a device code (e.g. ABCD-2345-X)</source>
        <translation>Scannez ou tapez le code d’un appareil (ex. ABCD-2345-X)</translation>
    </message>
    <message>
        <source>Intake of a donation</source>
        <translation>Accueil d’un don</translation>
    </message>
    <message>
        <source>Change operator</source>
        <translation>Changer d’opérateur</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Réglages…</translation>
    </message>
    <message>
        <source>Simulated devices</source>
        <translation>Appareils simulés</translation>
    </message>
    <message>
        <source>Training mode</source>
        <translation>Mode formation</translation>
    </message>
    <message>
        <source>Wi-Fi…</source>
        <translation>Wi-Fi…</translation>
    </message>
    <message>
        <source>Phone over Wi-Fi…</source>
        <translation>Téléphone par Wi-Fi…</translation>
    </message>
    <message>
        <source>Printers…</source>
        <translation>Imprimantes…</translation>
    </message>
    <message>
        <source>Simulated devices for a demonstration; their records are marked as training</source>
        <translation>Des appareils simulés pour une démonstration ; leurs données sont marquées « formation »</translation>
    </message>
    <message>
        <source>Plug in a phone or a drive to begin.
It will appear here.</source>
        <translation>Branchez un téléphone ou un disque pour commencer.
Il apparaîtra ici.</translation>
    </message>
    <message>
        <source>managed by a company (MDM)</source>
        <translation>géré par une entreprise (MDM)</translation>
    </message>
    <message>
        <source>worn battery</source>
        <translation>batterie usée</translation>
    </message>
    <message>
        <source>rooted, bootloader unlocked</source>
        <translation>rooté, chargeur de démarrage déverrouillé</translation>
    </message>
    <message>
        <source>never allows this station</source>
        <translation>n’autorise jamais ce poste</translation>
    </message>
    <message>
        <source>unplugged during a command</source>
        <translation>débranché pendant une commande</translation>
    </message>
    <message>
        <source>very slow</source>
        <translation>très lent</translation>
    </message>
    <message>
        <source>answers nonsense</source>
        <translation>répond n’importe quoi</translation>
    </message>
    <message>
        <source>does not answer</source>
        <translation>ne répond pas</translation>
    </message>
    <message>
        <source>Hard cases</source>
        <translation>Cas difficiles</translation>
    </message>
    <message>
        <source>Plug in an iPhone</source>
        <translation>Brancher un iPhone</translation>
    </message>
    <message>
        <source>Complete phone (installation)</source>
        <translation>Téléphone complet (installation)</translation>
    </message>
    <message>
        <source>healthy</source>
        <translation>en bon état</translation>
    </message>
    <message>
        <source>Scenarios</source>
        <translation>Scénarios</translation>
    </message>
    <message>
        <source>Reset the class</source>
        <translation>Remettre la classe à zéro</translation>
    </message>
    <message>
        <source>Printed labels</source>
        <translation>Étiquettes imprimées</translation>
    </message>
    <message numerus="yes">
        <source>%n erasure(s) running</source>
        <translation>
            <numerusform>%n effacement en cours</numerusform>
            <numerusform>%n effacements en cours</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n installation(s) running</source>
        <translation>
            <numerusform>%n installation en cours</numerusform>
            <numerusform>%n installations en cours</numerusform>
        </translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>En savoir plus</translation>
    </message>
    <message>
        <source>locked by a Google account</source>
        <translation>bloqué par un compte Google</translation>
    </message>
    <message>
        <source>slow</source>
        <translation>lent</translation>
    </message>
    <message>
        <source>Plug in a phone</source>
        <translation>Brancher un téléphone</translation>
    </message>
    <message>
        <source>Who is working: %1</source>
        <translation>Qui travaille : %1</translation>
    </message>
    <message>
        <source>Plug in a drive</source>
        <translation>Brancher un disque</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>en fin de vie</translation>
    </message>
    <message>
        <source>unplugged during the erasure</source>
        <translation>débranché pendant l’effacement</translation>
    </message>
    <message>
        <source>Unplug the selected device</source>
        <translation>Débrancher l’appareil choisi</translation>
    </message>
    <message>
        <source>Plug the selected device back in</source>
        <translation>Rebrancher l’appareil choisi</translation>
    </message>
    <message>
        <source>Show the simulated phone</source>
        <translation>Montrer le téléphone simulé</translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) plugged in</source>
        <translation>
            <numerusform>%n appareil branché</numerusform>
            <numerusform>%n appareils branchés</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n check(s) running</source>
        <translation>
            <numerusform>%n contrôle en cours</numerusform>
            <numerusform>%n contrôles en cours</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n answer(s) awaited</source>
        <translation>
            <numerusform>%n réponse attendue</numerusform>
            <numerusform>%n réponses attendues</numerusform>
        </translation>
    </message>
    <message>
        <source>Not possible</source>
        <translation>Impossible</translation>
    </message>
    <message>
        <source>You can resume it later.</source>
        <translation>Vous pourrez le reprendre plus tard.</translation>
    </message>
    <message>
        <source>It can no longer be resumed.</source>
        <translation>Il ne pourra plus être repris.</translation>
    </message>
    <message>
        <source>at the end of its life (SMART failed)</source>
        <translation>en fin de vie (SMART en échec)</translation>
    </message>
</context>
<context>
    <name>NetworkPhoneDialog</name>
    <message>
        <source>Phone over Wi-Fi</source>
        <translation>Téléphone par Wi-Fi</translation>
    </message>
    <message>
        <source>Type the address shown on the phone.</source>
        <translation>Tapez l’adresse affichée sur le téléphone.</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>En savoir plus</translation>
    </message>
    <message>
        <source>On the phone: Settings &gt; Developer options &gt; Wireless debugging. The IP address and port are written at the top.</source>
        <translation>Sur le téléphone : Paramètres &gt; Options pour les développeurs &gt; Débogage sans fil. L’adresse IP et le port sont écrits en haut.</translation>
    </message>
    <message>
        <source>The phone and this station must be on the same Wi-Fi.</source>
        <translation>Le téléphone et ce poste doivent être sur le même Wi-Fi.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Connecter</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connexion…</translation>
    </message>
</context>
<context>
    <name>OperatorChooser</name>
    <message>
        <source>Who is working?</source>
        <translation>Qui travaille ?</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Ajouter</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Valider</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Your first name</source>
        <translation>Votre prénom</translation>
    </message>
    <message>
        <source>A PIN of 4 to 8 digits (optional)</source>
        <translation>Un code de 4 à 8 chiffres (facultatif)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>%1, type your PIN.</source>
        <translation>%1, tapez votre code.</translation>
    </message>
</context>
<context>
    <name>PendingCard</name>
    <message>
        <source>USB debugging is off</source>
        <translation>Le débogage USB est désactivé</translation>
    </message>
    <message>
        <source>Waiting for you to allow this station</source>
        <translation>En attente : autorisez ce poste sur le téléphone</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connexion…</translation>
    </message>
    <message>
        <source>In recovery mode</source>
        <translation>En mode récupération (recovery)</translation>
    </message>
    <message>
        <source>Waiting for a system to install</source>
        <translation>En attente d’un système à installer</translation>
    </message>
    <message>
        <source>Waiting for “Trust” on the iPhone</source>
        <translation>En attente : touchez « Faire confiance » sur l’iPhone</translation>
    </message>
    <message>
        <source>The iPhone did not trust this station</source>
        <translation>L’iPhone n’a pas fait confiance à ce poste</translation>
    </message>
    <message>
        <source>Unlock the iPhone</source>
        <translation>Déverrouillez l’iPhone</translation>
    </message>
    <message>
        <source>In bootloader (fastboot) mode</source>
        <translation>En mode chargeur de démarrage (fastboot)</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Téléphone</translation>
    </message>
    <message>
        <source>%1 plugged in</source>
        <translation>%1 branché</translation>
    </message>
    <message>
        <source>Show me how</source>
        <translation>Montrez-moi comment</translation>
    </message>
</context>
<context>
    <name>PrintedLabelsDialog</name>
    <message>
        <source>Printed labels</source>
        <translation>Étiquettes imprimées</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>What the class printer printed, newest first.</source>
        <translation>Ce que l’imprimante de la classe a imprimé, le plus récent en haut.</translation>
    </message>
    <message>
        <source>Nothing printed yet. Print a device&apos;s label.</source>
        <translation>Rien d’imprimé. Imprimez l’étiquette d’un appareil.</translation>
    </message>
</context>
<context>
    <name>PrinterDialog</name>
    <message>
        <source>Label printers</source>
        <translation>Imprimantes d’étiquettes</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>Imprimante</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>Étiquettes</translation>
    </message>
    <message>
        <source>Test print</source>
        <translation>Impression test</translation>
    </message>
    <message>
        <source>Print the label</source>
        <translation>Imprimer l’étiquette</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>New printer…</source>
        <translation>Nouvelle imprimante…</translation>
    </message>
    <message>
        <source>tcp://192.168.1.50 or usb://0x04f9:0x209b</source>
        <translation>tcp://192.168.1.50 ou usb://0x04f9:0x209b</translation>
    </message>
    <message>
        <source>192.168.1.60:9100 or cups:QUEUE</source>
        <translation>192.168.1.60:9100 ou cups:NOM-DE-LA-FILE</translation>
    </message>
    <message>
        <source>CUPS queue name (lpstat -p)</source>
        <translation>Nom de la file CUPS (lpstat -p)</translation>
    </message>
    <message>
        <source>Folder for the files</source>
        <translation>Dossier des fichiers</translation>
    </message>
    <message>
        <source>Printer saved.</source>
        <translation>Imprimante enregistrée.</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>Impression en cours…</translation>
    </message>
    <message>
        <source>Sent to the printer: %1</source>
        <translation>Envoyé à l’imprimante : %1</translation>
    </message>
</context>
<context>
    <name>StartupErrorWindow</name>
    <message>
        <source>Établi — the station cannot open</source>
        <translation>Établi — le poste ne peut pas s’ouvrir</translation>
    </message>
    <message>
        <source>Établi cannot open this station&apos;s data</source>
        <translation>Établi ne peut pas ouvrir les données du poste</translation>
    </message>
    <message>
        <source>The station&apos;s database is damaged: Établi cannot read it.</source>
        <translation>La base de données du poste est abîmée : Établi ne peut pas la lire.</translation>
    </message>
    <message>
        <source>Details for your supervisor: %1</source>
        <translation>Détails pour votre encadrant : %1</translation>
    </message>
    <message>
        <source>Learn more</source>
        <translation>En savoir plus</translation>
    </message>
    <message>
        <source>Backups on this station</source>
        <translation>Sauvegardes sur ce poste</translation>
    </message>
    <message>
        <source>No backup (.bak file) in %1.</source>
        <translation>Aucune sauvegarde (fichier .bak) dans %1.</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>Que faire</translation>
    </message>
    <message>
        <source>Call your supervisor and show them this screen.</source>
        <translation>Appelez votre encadrant et montrez-lui cet écran.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Check the database: in a terminal, type this command:</source>
        <translation>Vérifiez la base : dans un terminal, tapez cette commande :</translation>
    </message>
    <message>
        <source>Restore the last backup: with Établi closed, put %2 (and its -wal and -shm files) aside, then copy %1 as %2. What was done since its date is not in it.</source>
        <translation>Restaurez la dernière sauvegarde : Établi fermé, mettez de côté %2 (et ses fichiers -wal et -shm), puis copiez %1 sous le nom %2. Ce qui a été fait depuis sa date n’y est pas.</translation>
    </message>
    <message>
        <source>There is no backup to restore: delete nothing.</source>
        <translation>Il n’y a pas de sauvegarde à restaurer : ne supprimez rien.</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>Learn more</source>
        <translation>En savoir plus</translation>
    </message>
    <message>
        <source>Server unreachable, next try in %1 min</source>
        <translation>Serveur injoignable, nouvel essai dans %1 min</translation>
    </message>
    <message>
        <source>Sync impossible: %1</source>
        <translation>Synchronisation impossible : %1</translation>
    </message>
    <message numerus="yes">
        <source>Not synced yet · %n waiting</source>
        <translation>
            <numerusform>Pas encore synchronisé · %n en attente</numerusform>
            <numerusform>Pas encore synchronisé · %n en attente</numerusform>
        </translation>
    </message>
    <message>
        <source>Synced %1 min ago · %2 waiting</source>
        <translation>Synchronisé il y a %1 min · %2 en attente</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Synchronisation</translation>
    </message>
</context>
</TS>
